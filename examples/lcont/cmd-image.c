/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont image load|ls|inspect|rm|prune|unpack|mount|umount */
#include <cjson/cJSON.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char image_usage[] =
    "Usage: lcont image COMMAND [OPTIONS] [ARG...]\n"
    "\n"
    "Commands:\n"
    "  load SOURCE        store an image; print its name and digest\n"
    "  ls                 list stored images\n"
    "  inspect NAME...    print stored images' details as JSON\n"
    "  rm NAME...         remove images (names, or digests for every name)\n"
    "  prune              remove unnamed images and unused blobs and layers\n"
    "  unpack SOURCE DIR  write an OCI bundle: DIR/rootfs and DIR/config.json\n"
    "  mount NAME DIR     mount an image's root filesystem on DIR\n"
    "  umount DIR         undo 'image mount'\n"
    "\n"
    "SOURCE is a transport name, as podman and skopeo write them:\n"
    "  oci:DIR[:TAG]                an OCI image layout directory\n"
    "  oci-archive:FILE[:TAG]       an OCI image layout in a tar file\n"
    "  docker-archive:FILE[:NAME]   a 'docker save' or 'podman save' archive\n"
    "or the name or digest of an image already in the store.\n"
    "\n"
    "Run 'lcont image COMMAND --help' for more about a command.\n";

static const char load_usage[] =
    "Usage: lcont image load [OPTIONS] SOURCE\n"
    "\n"
    "Verify and store the image of SOURCE (oci:DIR[:TAG], oci-archive:FILE[:TAG],\n"
    "docker-archive:FILE[:NAME]). Prints 'Loaded image: NAME' for each of its names and\n"
    "'Digest: DIGEST'. Progress goes to stderr: a bar on a terminal, lines otherwise.\n"
    "\n"
    "Options:\n"
    "  --name NAME             name the image NAME (repo:tag) instead of the source's name\n"
    "  --platform OS/ARCH[/V]  platform to pick from an image index (default: the host's)\n"
    "  --cache-layers          also unpack the layers into the layer cache now\n"
    "  -h, --help              show this help\n";

static const char ls_usage[] =
    "Usage: lcont image ls [OPTIONS]\n"
    "\n"
    "List stored images, one row per name: NAME TAG DIGEST CREATED SIZE. DIGEST is the\n"
    "start of the manifest digest; SIZE is the compressed size of config and layers.\n"
    "\n"
    "Options:\n"
    "  --format FORMAT  'table' (default) or 'json' (an array with full digests)\n"
    "  -q, --quiet      print manifest digests only\n"
    "  -h, --help       show this help\n";

static const char inspect_usage[] =
    "Usage: lcont image inspect NAME...\n"
    "\n"
    "Print a JSON array with, for each image: Id (config digest), Digest (manifest\n"
    "digest), Names, Created, Size, LayerCount, Config (the image config) and Manifest.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

static const char rm_usage[] =
    "Usage: lcont image rm [OPTIONS] NAME...\n"
    "\n"
    "Remove a name; an image left without names is deleted with its blobs and cached\n"
    "layers that no other image uses. A digest removes the image with all its names.\n"
    "\n"
    "Options:\n"
    "  -f, --force  remove even if the image is mounted (the mounts stay until umount)\n"
    "  -h, --help   show this help\n";

static const char prune_usage[] =
    "Usage: lcont image prune [OPTIONS]\n"
    "\n"
    "Remove unnamed, unmounted images and every blob and cached layer no image uses.\n"
    "\n"
    "Options:\n"
    "  -a, --all   also remove named images that are not mounted\n"
    "  -h, --help  show this help\n";

static const char unpack_usage[] =
    "Usage: lcont image unpack [OPTIONS] SOURCE DIR\n"
    "\n"
    "Write a standalone OCI runtime bundle (like 'umoci unpack'): the flattened root\n"
    "filesystem in DIR/rootfs and, in DIR/config.json, lcont's default config with the\n"
    "image's command, environment, working directory and user. DIR must be absent or\n"
    "empty. A transport SOURCE is loaded into the store first. Run the bundle with\n"
    "'lcont-run run -b DIR ID'.\n"
    "\n"
    "Options:\n"
    "  --rootless  generate a config for a user namespace (like 'lcont-run spec --rootless')\n"
    "  --terminal  set process.terminal in the config\n"
    "  -h, --help  show this help\n";

static const char mount_usage[] =
    "Usage: lcont image mount [OPTIONS] NAME DIR\n"
    "\n"
    "Mount the image's root filesystem on the empty directory DIR: an overlay of the\n"
    "cached layers (unpacked on first use) with a private writable layer.\n"
    "\n"
    "Options:\n"
    "  --read-only  no writable layer\n"
    "  --copy       write a flattened copy instead of mounting an overlay\n"
    "  -h, --help   show this help\n";

static const char umount_usage[] = "Usage: lcont image umount [OPTIONS] DIR\n"
                                   "\n"
                                   "Unmount an 'image mount' and delete its writable layer.\n"
                                   "\n"
                                   "Options:\n"
                                   "  -l, --lazy  detach a busy mount lazily\n"
                                   "  -h, --help  show this help\n";

static const struct option help_only[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/* For commands without options: --help, else exactly @min..@max arguments. */
static int parse_plain(int argc, char **argv, const char *usage, int min, int max)
{
    int c;

    while ((c = getopt_long(argc, argv, "h", help_only, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (argc - optind < min || (max >= 0 && argc - optind > max))
        return cli_usage_error(usage, "'%s' takes %s %d argument%s", argv[0],
                               argc - optind < min ? "at least" : "at most",
                               argc - optind < min ? min : max,
                               (argc - optind < min ? min : max) == 1 ? "" : "s");
    return -1;
}

int image_is_transport(const char *source)
{
    static const char *const prefixes[] = { "oci:", "oci-archive:", "docker-archive:", NULL };
    for (size_t i = 0; prefixes[i]; i++)
        if (strncmp(source, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

int image_get(struct cli *cli, const char *name, lcont_image **ret)
{
    lcont_error *err = NULL;
    int r;

    r = cli_open_store(cli);
    if (r)
        return r;
    if (image_is_transport(name)) {
        r = lcont_image_load(cli->store, name, NULL, 0, ret, &err);
        progress_finish(cli);
        if (r < 0)
            return cli_fail_lib(cli, r, &err, "load %s", name);
        return 0;
    }
    r = lcont_image_lookup(cli->store, name, 0, ret, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "image %s", name);
    return 0;
}

/* ---- load ---- */

static int cmd_load(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "platform", required_argument, NULL, 'p' },
        { "cache-layers", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    lcont_image_load_opts lo = LCONT_IMAGE_LOAD_OPTS_INIT;
    char platform[256] = "";
    uint64_t flags = 0;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    const char *const *names;
    int c, r;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            lo.name = optarg;
            break;
        case 'p': {
            char *slash, *slash2;
            if (snprintf(platform, sizeof(platform), "%s", optarg) >= (int)sizeof(platform) ||
                !(slash = strchr(platform, '/')))
                return cli_usage_error(load_usage, "--platform: expected OS/ARCH[/VARIANT]");
            *slash = '\0';
            lo.os = platform;
            lo.architecture = slash + 1;
            slash2 = strchr(slash + 1, '/');
            if (slash2) {
                *slash2 = '\0';
                lo.variant = slash2 + 1;
            }
            break;
        }
        case 'c':
            flags |= LCONT_IMAGE_LOAD_CACHE_LAYERS;
            break;
        case 'h':
            fputs(load_usage, stdout);
            return 0;
        default:
            fputs(load_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(load_usage, "'load' takes exactly one SOURCE");
    r = cli_open_store(cli);
    if (r)
        return r;
    if (!image_is_transport(argv[optind])) {
        /* a name already in the store: nothing to copy (there is no tag operation yet) */
        if (lo.name)
            return cli_usage_error(load_usage, "--name needs a transport SOURCE");
        r = image_get(cli, argv[optind], &img);
        if (r)
            return r;
    } else {
        r = lcont_image_load(cli->store, argv[optind], &lo, flags, &img, &err);
        progress_finish(cli);
        if (r < 0)
            return cli_fail_lib(cli, r, &err, "load %s", argv[optind]);
    }
    names = lcont_image_get_names(img);
    if (!names[0])
        printf("Loaded image: <none>\n");
    for (size_t i = 0; names[i]; i++)
        printf("Loaded image: %s\n", names[i]);
    printf("Digest: %s\n", lcont_image_get_digest(img));
    lcont_image_unref(img);
    return 0;
}

/* ---- ls ---- */

static cJSON *strv_to_json(const char *const *v)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && v && v[i]; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static void print_json(cJSON *doc)
{
    char *text = cJSON_Print(doc);
    if (text)
        printf("%s\n", text);
    cJSON_free(text);
}

static const char *hex_of(const char *digest, size_t n)
{
    static char buf[65];
    const char *colon = strchr(digest, ':');
    snprintf(buf, sizeof(buf), "%.*s", (int)n, colon ? colon + 1 : digest);
    return buf;
}

static void ls_row(lcont_image *img, const char *name)
{
    char repo[256], tag[128], since[64], size[32];

    split_name(name, repo, sizeof(repo), tag, sizeof(tag));
    format_since(lcont_image_get_created(img), since, sizeof(since));
    format_size(lcont_image_get_size(img), size, sizeof(size));
    printf("%-40s %-12s %-14s %-20s %s\n", repo, tag, hex_of(lcont_image_get_digest(img), 12),
           since, size);
}

static int cmd_ls(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, quiet = 0, c, r, status = 0;
    char **digests = NULL;
    lcont_error *err = NULL;
    cJSON *arr = NULL;

    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "table") != 0)
                return cli_usage_error(ls_usage, "--format: 'table' or 'json', not '%s'", optarg);
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(ls_usage, stdout);
            return 0;
        default:
            fputs(ls_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error(ls_usage, "'ls' takes no arguments");
    r = cli_open_store(cli);
    if (r)
        return r;
    r = lcont_image_list(cli->store, 0, &digests, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "list images");
    if (json)
        arr = cJSON_CreateArray();
    else if (!quiet)
        printf("%-40s %-12s %-14s %-20s %s\n", "NAME", "TAG", "DIGEST", "CREATED", "SIZE");
    for (size_t i = 0; digests[i]; i++) {
        lcont_image *img = NULL;
        const char *const *names;

        r = lcont_image_lookup(cli->store, digests[i], 0, &img, &err);
        if (r == -ENOENT) { /* removed meanwhile by another process */
            lcont_error_free(err);
            err = NULL;
            continue;
        }
        if (r < 0) {
            status = cli_fail_lib(cli, r, &err, "image %s", digests[i]);
            continue;
        }
        names = lcont_image_get_names(img);
        if (quiet) {
            printf("%s\n", lcont_image_get_digest(img));
        } else if (json) {
            cJSON *o = cJSON_CreateObject();
            const char *created = lcont_image_get_created(img);
            cJSON_AddItemToObject(o, "names", strv_to_json(names));
            cJSON_AddStringToObject(o, "digest", lcont_image_get_digest(img));
            cJSON_AddStringToObject(o, "id", lcont_image_get_id(img));
            if (created)
                cJSON_AddStringToObject(o, "created", created);
            else
                cJSON_AddNullToObject(o, "created");
            cJSON_AddNumberToObject(o, "size", (double)lcont_image_get_size(img));
            cJSON_AddNumberToObject(o, "layers", (double)lcont_image_get_layer_count(img));
            cJSON_AddItemToArray(arr, o);
        } else if (!names[0]) {
            ls_row(img, NULL);
        } else {
            for (size_t j = 0; names[j]; j++)
                ls_row(img, names[j]);
        }
        lcont_image_unref(img);
    }
    if (json)
        print_json(arr);
    cJSON_Delete(arr);
    lcont_strv_free(digests);
    return status;
}

/* ---- inspect ---- */

/* Parsed JSON text, or the text as a string if it does not parse (never the case for a
 * verified store, but inspect must still show something). */
static cJSON *json_or_string(const char *text)
{
    cJSON *v = text ? cJSON_Parse(text) : NULL;
    return v ? v : (text ? cJSON_CreateString(text) : cJSON_CreateNull());
}

static int cmd_inspect(struct cli *cli, int argc, char **argv)
{
    cJSON *arr;
    int r, status = 0;

    r = parse_plain(argc, argv, inspect_usage, 1, -1);
    if (r >= 0)
        return r;
    r = cli_open_store(cli);
    if (r)
        return r;
    arr = cJSON_CreateArray();
    for (int i = optind; i < argc; i++) {
        lcont_image *img = NULL;
        lcont_error *err = NULL;
        const char *created;
        cJSON *o;

        r = lcont_image_lookup(cli->store, argv[i], 0, &img, &err);
        if (r < 0) {
            status = cli_fail_lib(cli, r, &err, "inspect %s", argv[i]);
            continue;
        }
        o = cJSON_CreateObject();
        created = lcont_image_get_created(img);
        cJSON_AddStringToObject(o, "Id", lcont_image_get_id(img));
        cJSON_AddStringToObject(o, "Digest", lcont_image_get_digest(img));
        cJSON_AddItemToObject(o, "Names", strv_to_json(lcont_image_get_names(img)));
        if (created)
            cJSON_AddStringToObject(o, "Created", created);
        else
            cJSON_AddNullToObject(o, "Created");
        cJSON_AddNumberToObject(o, "Size", (double)lcont_image_get_size(img));
        cJSON_AddNumberToObject(o, "LayerCount", (double)lcont_image_get_layer_count(img));
        cJSON_AddItemToObject(o, "Config", json_or_string(lcont_image_get_config_json(img)));
        cJSON_AddItemToObject(o, "Manifest", json_or_string(lcont_image_get_manifest_json(img)));
        cJSON_AddItemToArray(arr, o);
        lcont_image_unref(img);
    }
    if (cJSON_GetArraySize(arr) > 0 || status == 0)
        print_json(arr);
    cJSON_Delete(arr);
    return status;
}

/* ---- rm, prune ---- */

static int cmd_rm_image(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t flags = 0;
    int c, r, status = 0;

    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            flags |= LCONT_IMAGE_REMOVE_FORCE;
            break;
        case 'h':
            fputs(rm_usage, stdout);
            return 0;
        default:
            fputs(rm_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error(rm_usage, "'rm' needs at least one NAME");
    r = cli_open_store(cli);
    if (r)
        return r;
    for (int i = optind; i < argc; i++) {
        lcont_error *err = NULL;
        r = lcont_image_remove(cli->store, argv[i], flags, &err);
        if (r < 0)
            status = cli_fail_lib(cli, r, &err, "remove %s", argv[i]);
        else
            printf("Removed: %s\n", argv[i]);
    }
    return status;
}

static int cmd_prune(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t flags = 0, freed = 0;
    lcont_error *err = NULL;
    char size[32];
    int c, r;

    while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            flags |= LCONT_IMAGE_PRUNE_ALL;
            break;
        case 'h':
            fputs(prune_usage, stdout);
            return 0;
        default:
            fputs(prune_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error(prune_usage, "'prune' takes no arguments");
    r = cli_open_store(cli);
    if (r)
        return r;
    r = lcont_image_prune(cli->store, flags, &freed, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "prune");
    format_size(freed, size, sizeof(size));
    printf("Total reclaimed space: %s\n", size);
    return 0;
}

/* ---- unpack ---- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        return rmdir(path) < 0 ? -1 : 0;
    return unlink(path) < 0 ? -1 : 0;
}

/* rm -rf that stays on one filesystem and never follows symlinks */
static void remove_tree(const char *path)
{
    nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static int dir_is_empty(const char *path)
{
    /* rmdir succeeds only on an empty directory; recreate it right away */
    if (rmdir(path) == 0)
        return mkdir(path, 0755) < 0 ? -errno : 1;
    return errno == ENOTEMPTY || errno == EEXIST ? 0 : -errno;
}

/* The OCI runtime config for @img whose root filesystem is @rootfs. */
static int image_spec(struct cli *cli, lcont_image *img, const char *rootfs,
                      lcont_image_spec_opts *so, uint64_t flags, char **ret)
{
    lcont_error *err = NULL;
    int r;

    so->image_name = lcont_image_get_name(img);
    so->image_digest = lcont_image_get_digest(img);
    r = lcont_spec_from_image_config(lcont_image_get_config_json(img), rootfs, so, flags, ret,
                                     &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "image %s",
                            so->image_name ? so->image_name : so->image_digest);
    return 0;
}

static int cmd_unpack(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "rootless", no_argument, NULL, 'R' },
        { "terminal", no_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    lcont_image_spec_opts so = LCONT_IMAGE_SPEC_OPTS_INIT;
    uint64_t spec_flags = 0;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    char *json = NULL, rootfs[4096];
    const char *dir;
    int c, r, created;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            spec_flags |= LCONT_SPEC_ROOTLESS;
            break;
        case 't':
            so.terminal = 1;
            break;
        case 'h':
            fputs(unpack_usage, stdout);
            return 0;
        default:
            fputs(unpack_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(unpack_usage, "'unpack' takes SOURCE and DIR");
    dir = argv[optind + 1];
    if (snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir) >= (int)sizeof(rootfs))
        return cli_fail("%s: path too long", dir);

    created = mkdir(dir, 0755) == 0;
    if (!created) {
        if (errno != EEXIST)
            return cli_fail("create %s: %s", dir, strerror(errno));
        r = dir_is_empty(dir);
        if (r < 0)
            return cli_fail("%s: %s", dir, strerror(-r));
        if (r == 0)
            return cli_fail("%s: directory is not empty", dir);
    }
    r = image_get(cli, argv[optind], &img);
    if (r)
        goto fail;
    r = lcont_image_unpack(cli->store, img, rootfs, NULL, 0, &err);
    progress_finish(cli);
    if (r < 0) {
        r = cli_fail_lib(cli, r, &err, "unpack %s", argv[optind]);
        goto fail;
    }
    /* users are resolved in DIR/rootfs; root.path is relative so the bundle can move */
    so.root_path = "rootfs";
    r = image_spec(cli, img, rootfs, &so, spec_flags, &json);
    if (r)
        goto fail;
    r = cli_write_file(dir, "config.json", json);
    if (r < 0) {
        r = cli_fail("write %s/config.json: %s", dir, strerror(-r));
        goto fail;
    }
    printf("Unpacked %s into %s\n",
           lcont_image_get_name(img) ? lcont_image_get_name(img) : lcont_image_get_digest(img),
           dir);
    lcont_free(json);
    lcont_image_unref(img);
    return 0;
fail:
    /* nothing half-written stays behind */
    lcont_free(json);
    lcont_image_unref(img);
    remove_tree(rootfs);
    if (created)
        rmdir(dir);
    return r ? r : 1;
}

/* ---- mount, umount ---- */

static int cmd_mount(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "read-only", no_argument, NULL, 'r' },
        { "copy", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t flags = 0;
    lcont_image *img = NULL;
    lcont_error *err = NULL;
    int c, r;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            flags |= LCONT_IMAGE_MOUNT_READONLY;
            break;
        case 'c':
            flags |= LCONT_IMAGE_MOUNT_COPY;
            break;
        case 'h':
            fputs(mount_usage, stdout);
            return 0;
        default:
            fputs(mount_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(mount_usage, "'mount' takes NAME and DIR");
    r = image_get(cli, argv[optind], &img);
    if (r)
        return r;
    r = lcont_image_mount(cli->store, img, argv[optind + 1], NULL, flags, &err);
    progress_finish(cli);
    lcont_image_unref(img);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "mount %s on %s", argv[optind], argv[optind + 1]);
    printf("%s\n", argv[optind + 1]);
    return 0;
}

static int cmd_umount(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "lazy", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t flags = 0;
    lcont_error *err = NULL;
    int c, r;

    while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            flags |= LCONT_IMAGE_UMOUNT_DETACH;
            break;
        case 'h':
            fputs(umount_usage, stdout);
            return 0;
        default:
            fputs(umount_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(umount_usage, "'umount' takes DIR");
    r = cli_open_store(cli);
    if (r)
        return r;
    r = lcont_image_umount(cli->store, argv[optind], flags, &err);
    if (r < 0)
        return cli_fail_lib(cli, r, &err, "umount %s", argv[optind]);
    return 0;
}

static const struct command image_commands[] = {
    { "load", cmd_load, NULL },      { "ls", cmd_ls, NULL },
    { "list", cmd_ls, NULL },        { "inspect", cmd_inspect, NULL },
    { "rm", cmd_rm_image, NULL },    { "remove", cmd_rm_image, NULL },
    { "prune", cmd_prune, NULL },    { "unpack", cmd_unpack, NULL },
    { "mount", cmd_mount, NULL },    { "umount", cmd_umount, NULL },
    { "unmount", cmd_umount, NULL }, { NULL, NULL, NULL },
};

int cmd_image(struct cli *cli, int argc, char **argv)
{
    int r;

    if (argc < 2) {
        fputs(image_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(image_usage, stdout);
        return 0;
    }
    optind = 0;
    r = cli_dispatch(cli, image_commands, argc - 1, argv + 1);
    if (r < 0)
        return cli_usage_error(image_usage, "unknown image command '%s'", argv[1]);
    return r;
}
