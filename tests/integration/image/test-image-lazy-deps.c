/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive and libcrypto are loaded on first use (lib/core/dlib.h):
 *  - a program linked with liblcont has neither mapped until it touches images;
 *  - when one cannot be loaded, an image load fails with a clear error naming the
 *    package to install, and nothing crashes. The library is hidden by bind-mounting
 *    /dev/null over it in a private mount namespace (root only: exit 77 otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcont/lcont.h>

static char tmpdir[] = "/tmp/lcont-lazydeps.XXXXXX";

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            return 1;                                                                \
        }                                                                            \
    } while (0)

static int mapped(const char *name)
{
    char line[1024];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "re");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        found |= strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "we");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* In a child: hide @lib (found through the loader's usual directory), then load @source. */
static int load_without(const char *lib, const char *source, const char *want_msg)
{
    char real[PATH_MAX], src[PATH_MAX + 32], store_root[PATH_MAX];
    lcont_context_opts copts = LCONT_CONTEXT_OPTS_INIT;
    lcont_context *ctx = NULL;
    lcont_image_store *store = NULL;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    int r;

    CHECK(realpath(lib, real), "%s: %s", lib, strerror(errno));
    CHECK(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private: %s", strerror(errno));
    CHECK(mount("/dev/null", real, NULL, MS_BIND, NULL) == 0, "hide %s: %s", real, strerror(errno));
    snprintf(store_root, sizeof(store_root), "%s/store", tmpdir);
    copts.store_root = store_root;
    CHECK(lcont_context_new(&copts, 0, &ctx, &err) == 0, "context: %s", lcont_error_message(err));
    CHECK(lcont_image_store_open(ctx, NULL, 0, &store, &err) == 0, "store: %s",
          lcont_error_message(err));
    snprintf(src, sizeof(src), "%s", source);
    r = lcont_image_load(store, src, NULL, 0, &img, &err);
    CHECK(r == -ENOENT, "load %s without %s: %d (%s)", source, lib, r,
          err ? lcont_error_message(err) : "no error");
    CHECK(strstr(lcont_error_message(err), want_msg), "message: %s", lcont_error_message(err));
    printf("# %s\n", lcont_error_message(err));
    fflush(stdout);
    lcont_error_free(err);
    lcont_image_store_unref(store);
    lcont_context_unref(ctx);
    return 0;
}

static int in_child(const char *lib, const char *source, const char *want_msg)
{
    int status;
    pid_t pid;

    fflush(stdout); /* or the child prints our buffered lines again */
    pid = fork();

    if (pid == 0)
        _exit(load_without(lib, source, want_msg));
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(void)
{
    static const char libdir[] = "/usr/lib/x86_64-linux-gnu";
    char archive_so[128], crypto_so[128], path[PATH_MAX + 32], oci[PATH_MAX];
    int fails = 0, r;

    if (geteuid() != 0) {
        printf("1..0 # SKIP needs root (mount namespace)\n");
        return 77;
    }
    snprintf(archive_so, sizeof(archive_so), "%s/libarchive.so.13", libdir);
    snprintf(crypto_so, sizeof(crypto_so), "%s/libcrypto.so.3", libdir);
    if (access(archive_so, F_OK) != 0 || access(crypto_so, F_OK) != 0) {
        printf("1..0 # SKIP libarchive.so.13 or libcrypto.so.3 not in %s\n", libdir);
        return 77;
    }
    if (!mkdtemp(tmpdir))
        return 1;
    printf("1..3\n");

    /* 1: linking liblcont maps neither library */
    r = lcont_version() != NULL && mapped("libarchive.so") == 0 && mapped("libcrypto.so") == 0;
    printf("%s 1 - libarchive and libcrypto are not loaded with liblcont\n", r ? "ok" : "not ok");
    fails += !r;

    /* 2: docker-archive needs libarchive first */
    snprintf(path, sizeof(path), "%s/empty.tar", tmpdir);
    close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    snprintf(path, sizeof(path), "docker-archive:%s/empty.tar", tmpdir);
    r = in_child(archive_so, path, "install libarchive13");
    printf("%s 2 - without libarchive: a clear error\n", r == 0 ? "ok" : "not ok");
    fails += r != 0;

    /* 3: an OCI layout needs only libcrypto (the manifest's digest is checked first) */
    snprintf(oci, sizeof(oci), "%s/oci", tmpdir);
    snprintf(path, sizeof(path), "mkdir -p '%s/blobs/sha256'", oci);
    if (system(path) != 0)
        return 1;
    write_file(oci, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    write_file(oci,
               "blobs/sha256/"
               "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
               "{}");
    write_file(oci, "index.json",
               "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
               "vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:"
               "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2}]}");
    snprintf(path, sizeof(path), "oci:%s", oci);
    r = in_child(crypto_so, path, "install libssl3");
    printf("%s 3 - without libcrypto: a clear error\n", r == 0 ? "ok" : "not ok");
    fails += r != 0;

    snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
    if (system(path) != 0)
        fails++;
    return fails ? 1 : 0;
}
