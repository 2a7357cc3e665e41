/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* update: new cgroup resources for a running container, from --resources (a
 * linux.resources JSON file, "-" for stdin) or, without it, from runc's flags. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd-exec.h"

enum {
    OPT_BLKIO_WEIGHT = 256,
    OPT_CPU_PERIOD,
    OPT_CPU_QUOTA,
    OPT_CPU_SHARES,
    OPT_CPU_RT_PERIOD,
    OPT_CPU_RT_RUNTIME,
    OPT_CPUSET_CPUS,
    OPT_CPUSET_MEMS,
    OPT_MEMORY,
    OPT_MEMORY_RESERVATION,
    OPT_MEMORY_SWAP,
    OPT_PIDS_LIMIT,
    OPT_KERNEL_MEMORY,
    OPT_IGNORED,
    OPT_COUNT
};

static const struct option update_opts[] = {
    { "resources", required_argument, NULL, 'r' },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "l3-cache-schema", required_argument, NULL, OPT_IGNORED },
    { "mem-bw-schema", required_argument, NULL, OPT_IGNORED },
    { "help", no_argument, NULL, 'h' },
    {},
};

/* Docker's RAMInBytes: "512m", "1g", "1024", binary units; "-1" means unlimited. */
static int parse_bytes(const char *s, int64_t *ret)
{
    static const char units[] = "bkmgtp";
    char *end;
    double v;
    int64_t mult = 1;

    if (strcmp(s, "-1") == 0) {
        *ret = -1;
        return 0;
    }
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    if (*end) {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (!u)
            return -EINVAL;
        for (const char *p = units; p < u; p++)
            mult *= 1024;
        end++;
        if (*end && mult > 1 && tolower((unsigned char)*end) == 'b')
            end++;
        else if (*end && mult > 1 && tolower((unsigned char)*end) == 'i' &&
                 tolower((unsigned char)end[1]) == 'b')
            end += 2;
        if (*end)
            return -EINVAL;
    }
    if (v * (double)mult > 9.2e18)
        return -ERANGE;
    *ret = (int64_t)(v * (double)mult);
    return 0;
}

static int parse_int(const char *s, int64_t *ret)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -EINVAL;
    *ret = v;
    return 0;
}

/* The flags as a linux.resources document (numbers written exactly, no doubles). */
static int flags_to_json(struct cli *cli, char *const *val, char **ret)
{
    static const struct {
        int opt;
        const char *section, *key, *name;
        int bytes, string;
    } map[] = {
        { OPT_MEMORY, "memory", "limit", "memory", 1, 0 },
        { OPT_MEMORY_RESERVATION, "memory", "reservation", "memory-reservation", 1, 0 },
        { OPT_MEMORY_SWAP, "memory", "swap", "memory-swap", 1, 0 },
        { OPT_CPU_SHARES, "cpu", "shares", "cpu-share", 0, 0 },
        { OPT_CPU_QUOTA, "cpu", "quota", "cpu-quota", 0, 0 },
        { OPT_CPU_PERIOD, "cpu", "period", "cpu-period", 0, 0 },
        { OPT_CPU_RT_RUNTIME, "cpu", "realtimeRuntime", "cpu-rt-runtime", 0, 0 },
        { OPT_CPU_RT_PERIOD, "cpu", "realtimePeriod", "cpu-rt-period", 0, 0 },
        { OPT_CPUSET_CPUS, "cpu", "cpus", "cpuset-cpus", 0, 1 },
        { OPT_CPUSET_MEMS, "cpu", "mems", "cpuset-mems", 0, 1 },
        { OPT_PIDS_LIMIT, "pids", "limit", "pids-limit", 0, 0 },
        { OPT_BLKIO_WEIGHT, "blockIO", "weight", "blkio-weight", 0, 0 },
    };
    static const char *const sections[] = { "memory", "cpu", "pids", "blockIO" };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int first_section = 1, r = 0;

    if (!f)
        return cli_fail(cli, "out of memory");
    fputc('{', f);
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]) && !r; s++) {
        int first = 1;
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]) && !r; i++) {
            const char *v = val[map[i].opt];
            int64_t n;
            if (!v || strcmp(map[i].section, sections[s]) != 0)
                continue;
            if (first)
                fprintf(f, "%s\"%s\":{", first_section ? "" : ",", sections[s]);
            fprintf(f, "%s\"%s\":", first ? "" : ",", map[i].key);
            first = first_section = 0;
            if (map[i].string) {
                /* cpu lists hold digits, commas and dashes only */
                if (v[strspn(v, "0123456789,-")])
                    r = cli_fail(cli, "invalid value for --%s: %s", map[i].name, v);
                fprintf(f, "\"%s\"", v);
            } else if ((map[i].bytes ? parse_bytes(v, &n) : parse_int(v, &n)) < 0) {
                r = cli_fail(cli, "invalid value for --%s: %s", map[i].name, v);
            } else {
                fprintf(f, "%" PRId64, n);
            }
        }
        if (!first)
            fputc('}', f);
    }
    fputc('}', f);
    if (fclose(f) != 0 && !r)
        r = cli_fail(cli, "out of memory");
    if (r) {
        free(text);
        return r;
    }
    *ret = text;
    return 0;
}

static int read_resources(struct cli *cli, const char *path, char **ret)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    char *text = NULL, buf[8192];
    size_t len = 0, n;
    FILE *mem;
    int ok;

    if (!in)
        return cli_fail(cli, "open %s: %s", path, strerror(errno));
    mem = open_memstream(&text, &len);
    while (mem && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, mem);
    ok = mem && !ferror(in) && fclose(mem) == 0;
    if (in != stdin)
        fclose(in);
    if (!ok) {
        free(text);
        return cli_fail(cli, "read %s", path);
    }
    *ret = text;
    return 0;
}

int cmd_update(struct cli *cli, int argc, char **argv)
{
    const struct command *cmd = command_find("update");
    char *val[OPT_COUNT] = { 0 };
    const char *resources = NULL;
    lcont_container *c = NULL;
    lcont_error *err = NULL;
    char *json = NULL;
    int r, opt;

    optind = 0;
    while ((opt = getopt_long_only(argc, argv, "+:r:h", update_opts, NULL)) != -1) {
        if (opt == 'r')
            resources = optarg;
        else if (opt == OPT_KERNEL_MEMORY || opt == OPT_IGNORED)
            cli_debug(cli, "ignoring %s: not supported by the kernel or lcont", argv[optind - 1]);
        else if (opt >= OPT_BLKIO_WEIGHT && opt < OPT_COUNT)
            val[opt] = optarg;
        else
            return args_help_or_error(cli, cmd, argv, opt);
    }
    r = args_check_count(cli, cmd, argc - optind, 1, 1);
    if (r)
        return r;
    r = resources ? read_resources(cli, resources, &json) : flags_to_json(cli, val, &json);
    if (r)
        return r;
    cli_debug(cli, "update %s with %s", argv[optind], json);
    r = cli_load(cli, argv[optind], 0, &c);
    if (r == 0 && (r = lcont_container_update(c, json, 0, &err)) < 0)
        r = cli_fail_lib(cli, r, &err, NULL);
    lcont_container_unref(c);
    free(json);
    return r;
}
