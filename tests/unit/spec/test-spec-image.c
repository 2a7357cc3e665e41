/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image config parsing and lcont_spec_from_image_config() (lib/spec/image-config.c,
 * from-image.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <lcont/spec.h>

#include "core/util.h"
#include "spec/image-config.h"
#include "spec/spec.h"
#include "spec-test-util.h"

#define DIFF_A \
    "sha256:"  \
    "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
#define DIFF_B \
    "sha256:"  \
    "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

/* What `docker save` writes (abridged), with every field the model reads. */
static const char full_config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"variant\":\"v3\","
    "\"created\":\"2024-01-02T03:04:05Z\",\"author\":\"someone\","
    "\"config\":{\"User\":\"app:staff\",\"Env\":[\"PATH=/app/bin:/bin\",\"A=1\",\"EMPTY=\"],"
    "\"Entrypoint\":[\"/bin/entry\",\"--flag\"],\"Cmd\":[\"serve\",\"--port=80\"],"
    "\"WorkingDir\":\"/srv\",\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{},\"8080\":{}},"
    "\"Volumes\":{\"/data\":{},\"/cache\":{}},\"Labels\":{\"a.b\":\"c\",\"x\":\"y\"},"
    "\"StopSignal\":\"SIGQUIT\",\"OnBuild\":null,\"Unknown\":[1,2]},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIFF_A "\",\"" DIFF_B "\"]},"
    "\"history\":[{\"created_by\":\"x\"}]}";

/* The smallest config the parser accepts; error cases patch one field of it. */
static const char min_config[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void assert_strv(char *const *got, const char *const *want)
{
    size_t i = 0;
    assert_non_null(got);
    for (; want[i]; i++) {
        assert_non_null(got[i]);
        assert_string_equal(got[i], want[i]);
    }
    assert_null(got[i]);
}

static struct lcont_image_config *parse_ok(const char *json)
{
    struct lcont_image_config *c = NULL;
    lcont_error *err = NULL;
    int r = lcont__image_config_parse(json, strlen(json), &c, &err);
    if (r < 0)
        print_error("%s\n", lcont_error_message(err));
    assert_int_equal(r, 0);
    return c;
}

static void test_image_config_full(void **state)
{
    struct lcont_image_config *c = parse_ok(full_config);

    assert_string_equal(c->os, "linux");
    assert_string_equal(c->architecture, "amd64");
    assert_string_equal(c->variant, "v3");
    assert_string_equal(c->created, "2024-01-02T03:04:05Z");
    assert_string_equal(c->author, "someone");
    assert_string_equal(c->user, "app:staff");
    assert_strv(c->env, STRV("PATH=/app/bin:/bin", "A=1", "EMPTY="));
    assert_strv(c->entrypoint, STRV("/bin/entry", "--flag"));
    assert_strv(c->cmd, STRV("serve", "--port=80"));
    assert_string_equal(c->working_dir, "/srv");
    assert_strv(c->exposed_ports, STRV("80/tcp", "53/udp", "8080"));
    assert_strv(c->volumes, STRV("/data", "/cache"));
    assert_int_equal(c->n_labels, 2);
    assert_string_equal(c->labels[0].key, "a.b");
    assert_string_equal(c->labels[0].value, "c");
    assert_string_equal(c->stop_signal, "SIGQUIT");
    assert_strv(c->diff_ids, STRV(DIFF_A, DIFF_B));
    lcont__image_config_free(c);
}

static void test_image_config_minimal(void **state)
{
    struct lcont_image_config *c = parse_ok(min_config);
    char *no_config;

    assert_null(c->entrypoint);
    assert_null(c->env);
    assert_null(c->user);
    assert_null(c->variant);
    assert_null(c->exposed_ports);
    assert_int_equal(c->n_labels, 0);
    assert_non_null(c->diff_ids);
    assert_null(c->diff_ids[0]);
    lcont__image_config_free(c);

    /* "config" is optional, and null counts as absent (docker writes null members) */
    no_config = spec_test_patch(min_config, "config", NULL);
    lcont__image_config_free(parse_ok(no_config));
    free(no_config);
    no_config = spec_test_patch(min_config, "config", "{\"Env\":null,\"Cmd\":null}");
    c = parse_ok(no_config);
    assert_null(c->cmd);
    lcont__image_config_free(c);
    free(no_config);
}

struct bad_case {
    const char *path; /* member patched in min_config */
    const char *raw;  /* its new JSON text; NULL removes it */
    int code;
    const char *msg;
};

static const struct bad_case bad_cases[] = {
    { "os", NULL, -EINVAL, "image config: os: missing" },
    { "os", "7", -EINVAL, "image config: os: must be a string" },
    { "os", "\"\"", -EINVAL, "os: must not be empty" },
    { "architecture", NULL, -EINVAL, "architecture: missing" },
    { "variant", "[]", -EINVAL, "variant: must be a string" },
    { "config", "[]", -EINVAL, "config: must be an object" },
    { "config.Cmd", "\"sh -c x\"", -EINVAL, "config.Cmd: must be an array of strings" },
    { "config.Cmd", "[\"a\",1]", -EINVAL, "config.Cmd: must be an array of strings" },
    { "config.Entrypoint", "{}", -EINVAL, "config.Entrypoint: must be an array of strings" },
    { "config.Env", "[\"A=1\",\"NOVALUE\"]", -EINVAL,
      "config.Env[1]: 'NOVALUE' is not of the form NAME=value" },
    { "config.Env", "[\"=x\"]", -EINVAL, "config.Env[0]: '=x' is not of the form" },
    { "config.WorkingDir", "[\"/\"]", -EINVAL, "config.WorkingDir: must be a string" },
    { "config.User", "0", -EINVAL, "config.User: must be a string" },
    { "config.StopSignal", "15", -EINVAL, "config.StopSignal: must be a string" },
    { "config.ExposedPorts", "[\"80/tcp\"]", -EINVAL, "config.ExposedPorts: must be an object" },
    { "config.ExposedPorts", "{\"http\":{}}", -EINVAL,
      "config.ExposedPorts: 'http' is not PORT[/tcp|/udp|/sctp]" },
    { "config.ExposedPorts", "{\"70000/tcp\":{}}", -EINVAL, "'70000/tcp' is not PORT" },
    { "config.ExposedPorts", "{\"80/icmp\":{}}", -EINVAL, "'80/icmp' is not PORT" },
    { "config.Volumes", "\"/data\"", -EINVAL, "config.Volumes: must be an object" },
    { "config.Volumes", "{\"\":{}}", -EINVAL, "config.Volumes: empty key" },
    { "config.Labels", "{\"a\":1}", -EINVAL, "config.Labels.a: must be a string" },
    { "rootfs", NULL, -EINVAL, "rootfs: missing" },
    { "rootfs", "\"layers\"", -EINVAL, "rootfs: must be an object" },
    { "rootfs.type", "\"tar\"", -EINVAL, "rootfs.type: must be \"layers\", not \"tar\"" },
    { "rootfs.type", NULL, -EINVAL, "rootfs.type: missing" },
    { "rootfs.diff_ids", NULL, -EINVAL, "rootfs.diff_ids: missing" },
    { "rootfs.diff_ids", "[\"sha256:abc\"]", -EINVAL, "rootfs.diff_ids[0]" },
    { "rootfs.diff_ids", "[\"sha256:../../../../etc/passwd\"]", -EINVAL, "rootfs.diff_ids[0]" },
    { "rootfs.diff_ids", "[\"" DIFF_A "\",\"md5:00\"]", -EINVAL, "rootfs.diff_ids[1]" },
};

static void expect_parse_error(const char *json, size_t len, int code, const char *msg)
{
    struct lcont_image_config *c = (struct lcont_image_config *)0x1;
    lcont_error *err = NULL;
    int r = lcont__image_config_parse(json, len, &c, &err);

    if (r != code || !err || !strstr(lcont_error_message(err), msg))
        print_error("input %.200s: got %d '%s', want %d '%s'\n", json, r, lcont_error_message(err),
                    code, msg);
    assert_int_equal(r, code);
    assert_non_null(strstr(lcont_error_message(err), msg));
    assert_ptr_equal(c, (struct lcont_image_config *)0x1); /* untouched on failure */
    lcont_error_free(err);
}

static void test_image_config_bad(void **state)
{
    for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
        const struct bad_case *t = &bad_cases[i];
        char *json = spec_test_patch(min_config, t->path, t->raw);
        expect_parse_error(json, strlen(json), t->code, t->msg);
        free(json);
    }
    expect_parse_error("[1]", 3, -EINVAL, "image config: must be a JSON object");
    expect_parse_error("{\"os\":", 6, -EINVAL, "image config");
    /* an escaped NUL would silently cut a string */
    {
        char *json = spec_test_patch(min_config, "config.User", "\"root\\u0000x\"");
        expect_parse_error(json, strlen(json), -EINVAL, "image config");
        free(json);
    }
}

static void test_image_config_limits(void **state)
{
    size_t n = LCONT_IMAGE_CONFIG_MAX_ENTRIES + 1;
    char *big = malloc(n * 6 + 16), *p = big, *json;

    /* one entry too many */
    *p++ = '[';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s\"A=1\"", i ? "," : "");
    strcpy(p, "]");
    json = spec_test_patch(min_config, "config.Env", big);
    expect_parse_error(json, strlen(json), -E2BIG, "config.Env: more than 10000 entries");
    free(json);
    free(big);

    /* layers */
    big = malloc((LCONT_IMAGE_CONFIG_MAX_LAYERS + 1) * 80 + 16);
    p = big;
    *p++ = '[';
    for (size_t i = 0; i <= LCONT_IMAGE_CONFIG_MAX_LAYERS; i++)
        p += sprintf(p, "%s\"%s\"", i ? "," : "", DIFF_A);
    strcpy(p, "]");
    json = spec_test_patch(min_config, "rootfs.diff_ids", big);
    expect_parse_error(json, strlen(json), -E2BIG, "rootfs.diff_ids: more than 500 entries");
    free(json);
    free(big);

    /* the blob as a whole, refused before parsing */
    expect_parse_error(min_config, LCONT_IMAGE_CONFIG_MAX_SIZE + 1, -EFBIG, "larger than");
}

/* ---- lcont_spec_from_image_config() ---- */

static char *from_image(const char *cfg, const char *rootfs, const lcont_image_spec_opts *o)
{
    char *json = NULL;
    lcont_error *err = NULL;
    int r = lcont_spec_from_image_config(cfg, rootfs, o, 0, &json, &err);
    if (r < 0)
        print_error("%s\n", lcont_error_message(err));
    assert_int_equal(r, 0);
    assert_null(err);
    return json;
}

static struct lcont_spec *parse_spec(const char *json)
{
    struct lcont_spec *s = NULL;
    assert_int_equal(lcont__spec_parse(json, strlen(json), &s, NULL), 0);
    return s;
}

static const char *annotation(const struct lcont_spec *s, const char *key)
{
    for (size_t i = 0; i < s->n_annotations; i++)
        if (strcmp(s->annotations[i].key, key) == 0)
            return s->annotations[i].value;
    return NULL;
}

static void write_at(int dirfd, const char *path, const char *text)
{
    int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_image_spec_defaults(void **state)
{
    char *json = from_image(full_config, NULL,
                            &(lcont_image_spec_opts){
                                .struct_size = sizeof(lcont_image_spec_opts),
                                .user = "1000:50",
                            });
    struct lcont_spec *s = parse_spec(json);

    /* the process comes from the image */
    assert_strv(s->process->args, STRV("/bin/entry", "--flag", "serve", "--port=80"));
    assert_strv(s->process->env, STRV("PATH=/app/bin:/bin", "A=1", "EMPTY=", "HOME=/"));
    assert_string_equal(s->process->cwd, "/srv");
    assert_int_equal(s->process->uid, 1000);
    assert_int_equal(s->process->gid, 50);
    assert_false(s->process->terminal);
    /* the rest are lcont's secure defaults */
    assert_string_equal(s->root_path, "rootfs");
    assert_false(s->root_readonly);
    assert_true(s->process->no_new_privileges);
    assert_true(s->linux_.namespaces[LCONT_NS_PID].present);
    assert_true(s->linux_.namespaces[LCONT_NS_MNT].present);
    assert_true(s->linux_.namespaces[LCONT_NS_NET].present);
    assert_true(lcont__strv_length(s->linux_.masked_paths) > 5);
    assert_true(s->n_mounts >= 5);
    assert_string_equal(annotation(s, "org.opencontainers.image.stopSignal"), "SIGQUIT");
    assert_null(annotation(s, "org.opencontainers.image.base.name"));
    lcont__spec_free(s);
    lcont_free(json);

    /* an image without Env gets a PATH */
    json = from_image(min_config, NULL, NULL);
    s = parse_spec(json);
    assert_strv(s->process->args, STRV("sh"));
    assert_strv(
        s->process->env,
        STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"));
    assert_string_equal(s->process->cwd, "/");
    assert_int_equal(s->process->uid, 0);
    assert_int_equal(s->n_annotations, 0);
    lcont__spec_free(s);
    lcont_free(json);
}

static void test_image_spec_overrides(void **state)
{
    lcont_image_spec_opts o = LCONT_IMAGE_SPEC_OPTS_INIT;
    struct lcont_spec *s;
    char *json;

    o.args = STRV("echo", "hi");
    o.env = STRV("A=2", "NEW=x", "HOME=/h", "TERM=vt100");
    o.cwd = "/tmp";
    o.user = "7";
    o.hostname = "web";
    o.root_path = "/var/rootfs";
    o.image_name = "example.com/app:1.0";
    o.image_digest = DIFF_A;
    o.terminal = 1;
    o.readonly = 1;
    json = from_image(full_config, NULL, &o);
    s = parse_spec(json);
    /* override args replace Cmd only; Entrypoint stays (docker's rule) */
    assert_strv(s->process->args, STRV("/bin/entry", "--flag", "echo", "hi"));
    /* overrides win in place; new ones are appended */
    assert_strv(s->process->env,
                STRV("PATH=/app/bin:/bin", "A=2", "EMPTY=", "NEW=x", "HOME=/h", "TERM=vt100"));
    assert_string_equal(s->process->cwd, "/tmp");
    assert_int_equal(s->process->uid, 7);
    assert_true(s->process->terminal);
    assert_string_equal(s->hostname, "web");
    assert_string_equal(s->root_path, "/var/rootfs");
    assert_true(s->root_readonly);
    assert_string_equal(annotation(s, "org.opencontainers.image.base.name"), "example.com/app:1.0");
    assert_string_equal(annotation(s, "org.opencontainers.image.base.digest"), DIFF_A);
    lcont__spec_free(s);
    lcont_free(json);

    /* an entrypoint override drops the image's Cmd; TERM added for a terminal */
    memset(&o, 0, sizeof(o));
    o.struct_size = sizeof(o);
    o.entrypoint = STRV("/bin/sh", "-c");
    o.user = "0";
    o.terminal = 1;
    json = from_image(full_config, NULL, &o);
    s = parse_spec(json);
    assert_strv(s->process->args, STRV("/bin/sh", "-c"));
    assert_strv(s->process->env,
                STRV("PATH=/app/bin:/bin", "A=1", "EMPTY=", "HOME=/", "TERM=xterm"));
    lcont__spec_free(s);
    lcont_free(json);

    /* an empty entrypoint clears it: the args alone run */
    o.entrypoint = STRV(NULL);
    o.args = STRV("true");
    json = from_image(full_config, NULL, &o);
    s = parse_spec(json);
    assert_strv(s->process->args, STRV("true"));
    lcont__spec_free(s);
    lcont_free(json);
}

/* A temporary rootfs, removed by teardown even when a test fails half-way. */
static int rootfs_setup(void **state)
{
    char *dir = strdup("/tmp/lcont-image-spec.XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int rootfs_teardown(void **state)
{
    char *dir = *state;
    int r = lcont__rm_rf_at(AT_FDCWD, dir);
    free(dir);
    return r;
}

static void test_image_spec_user_from_rootfs(void **state)
{
    const char *dir = *state;
    int rootfd;
    char *json;
    struct lcont_spec *s;

    rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(rootfd >= 0);
    assert_int_equal(mkdirat(rootfd, "etc", 0755), 0);
    write_at(rootfd, "etc/passwd",
             "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
    write_at(rootfd, "etc/group", "app:x:1001:\nstaff:x:50:app\nwheel:x:10:\n");

    /* the image's User "app:staff" */
    json = from_image(full_config, dir, NULL);
    s = parse_spec(json);
    assert_int_equal(s->process->uid, 1000);
    assert_int_equal(s->process->gid, 50);
    assert_int_equal(s->process->n_additional_gids, 0);
    assert_string_equal(s->root_path, dir);
    assert_string_equal(s->process->env[3], "HOME=/home/app");
    lcont__spec_free(s);
    lcont_free(json);

    /* by name: memberships and extra groups become additionalGids */
    json = from_image(full_config, dir,
                      &(lcont_image_spec_opts){ .struct_size = sizeof(lcont_image_spec_opts),
                                                .user = "app",
                                                .groups = STRV("wheel") });
    s = parse_spec(json);
    assert_int_equal(s->process->gid, 1001);
    assert_int_equal(s->process->n_additional_gids, 2);
    assert_int_equal(s->process->additional_gids[0], 10);
    assert_int_equal(s->process->additional_gids[1], 50);
    lcont__spec_free(s);
    lcont_free(json);

    close(rootfd);
}

static void expect_from_image_error(const char *cfg, const char *rootfs,
                                    const lcont_image_spec_opts *o, uint64_t flags, int code,
                                    const char *msg)
{
    char *json = (char *)0x1;
    lcont_error *err = NULL;
    int r = lcont_spec_from_image_config(cfg, rootfs, o, flags, &json, &err);

    if (r != code || !strstr(lcont_error_message(err), msg))
        print_error("got %d '%s', want %d '%s'\n", r, lcont_error_message(err), code, msg);
    assert_int_equal(r, code);
    assert_non_null(strstr(lcont_error_message(err), msg));
    assert_ptr_equal(json, (char *)0x1);
    lcont_error_free(err);
}

static void test_image_spec_errors(void **state)
{
    lcont_image_spec_opts o = LCONT_IMAGE_SPEC_OPTS_INIT;
    char *cfg;
    char *json = NULL;
    struct {
        lcont_image_spec_opts o;
        uint64_t extra;
    } big = { .o = LCONT_IMAGE_SPEC_OPTS_INIT };

    /* nothing to run */
    cfg = spec_test_patch(min_config, "config", NULL);
    expect_from_image_error(cfg, NULL, NULL, 0, -EINVAL,
                            "config from image: no command: the image has no Entrypoint or Cmd");
    free(cfg);
    /* wrong os */
    cfg = spec_test_patch(min_config, "os", "\"windows\"");
    expect_from_image_error(cfg, NULL, NULL, 0, -EOPNOTSUPP, "the image is for os 'windows'");
    free(cfg);
    /* relative working directories */
    cfg = spec_test_patch(min_config, "config.WorkingDir", "\"srv\"");
    expect_from_image_error(cfg, NULL, NULL, 0, -EINVAL,
                            "config.WorkingDir 'srv': must be absolute");
    free(cfg);
    o.cwd = "tmp";
    expect_from_image_error(min_config, NULL, &o, 0, -EINVAL,
                            "cwd 'tmp': must be an absolute path");
    o.cwd = NULL;
    /* a bad env override */
    o.env = STRV("NOEQUALS");
    expect_from_image_error(min_config, NULL, &o, 0, -EINVAL, "env[0]: 'NOEQUALS'");
    o.env = NULL;
    /* user names need the image's files */
    o.user = "app";
    expect_from_image_error(min_config, NULL, &o, 0, -ENOENT, "the image has no /etc/passwd");
    expect_from_image_error(min_config, "/nonexistent-lcont-rootfs", &o, 0, -ENOENT,
                            "open rootfs /nonexistent-lcont-rootfs");
    o.user = NULL;
    /* a bad image config */
    expect_from_image_error("{}", NULL, NULL, 0, -EINVAL, "image config: os: missing");
    /* arguments, flags and struct sizes */
    expect_from_image_error(min_config, NULL, NULL, 1ULL << 40, -EINVAL, "unknown flags");
    assert_int_equal(lcont_spec_from_image_config(NULL, NULL, NULL, 0, &json, NULL), -EINVAL);
    assert_int_equal(lcont_spec_from_image_config(min_config, NULL, NULL, 0, NULL, NULL), -EINVAL);
    o.struct_size = 8;
    expect_from_image_error(min_config, NULL, &o, 0, -EINVAL, "bad options struct size 8");
    big.o.struct_size = sizeof(big);
    big.extra = 1;
    expect_from_image_error(min_config, NULL, &big.o, 0, -E2BIG, "bad options struct size");
    /* a larger struct with zeroed tail bytes is fine */
    big.extra = 0;
    json = from_image(min_config, NULL, &big.o);
    lcont_free(json);

    assert_int_equal(lcont_image_spec_opts_init(NULL, sizeof(o)), -EINVAL);
    assert_int_equal(lcont_image_spec_opts_init(&o, 8), -EINVAL);
    memset(&o, 0xff, sizeof(o));
    assert_int_equal(lcont_image_spec_opts_init(&o, sizeof(o)), 0);
    assert_int_equal(o.struct_size, sizeof(o));
    assert_null(o.args);
    assert_int_equal(o.readonly, 0);
}

static void test_image_spec_rootless(void **state)
{
    char *json = NULL;
    struct lcont_spec *s;

    assert_int_equal(
        lcont_spec_from_image_config(min_config, NULL, NULL, LCONT_SPEC_ROOTLESS, &json, NULL), 0);
    s = parse_spec(json);
    assert_true(s->linux_.namespaces[LCONT_NS_USER].present);
    assert_int_equal(s->linux_.n_uid_mappings, 1);
    lcont__spec_free(s);
    lcont_free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_config_full),
        cmocka_unit_test(test_image_config_minimal),
        cmocka_unit_test(test_image_config_bad),
        cmocka_unit_test(test_image_config_limits),
        cmocka_unit_test(test_image_spec_defaults),
        cmocka_unit_test(test_image_spec_overrides),
        cmocka_unit_test_setup_teardown(test_image_spec_user_from_rootfs, rootfs_setup,
                                        rootfs_teardown),
        cmocka_unit_test(test_image_spec_errors),
        cmocka_unit_test(test_image_spec_rootless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
