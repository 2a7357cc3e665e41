/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont-gateway: an API gateway over lcont service tables. The main thread owns signals
 * (SIGHUP reloads, SIGTERM/SIGINT drain), watches table files with inotify, and swaps configs;
 * worker threads run the event loops. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <lcont/lcont.h>

#include "gw.h"

struct gw_global gw = { .cfg_lock = PTHREAD_MUTEX_INITIALIZER, .log_fd = -1 };

static const char usage[] =
    "usage: lcont-gateway -c CONFIG [--workers N] [--check]\n"
    "  -c, --config FILE   YAML or JSON config (listeners, routes, services)\n"
    "  -w, --workers N     worker threads (overrides the config)\n"
    "      --check         validate the config and exit\n"
    "Signals: SIGHUP reloads the config and certificates without dropping connections;\n"
    "SIGTERM/SIGINT stop accepting and drain in-flight requests.\n";

struct gw_config *gw_current_config(void)
{
    pthread_mutex_lock(&gw.cfg_lock);
    struct gw_config *c = gw_config_ref(gw.cfg);
    pthread_mutex_unlock(&gw.cfg_lock);
    return c;
}

static int open_log(const char *spec)
{
    if (!spec || strcmp(spec, "off") == 0)
        return -1;
    if (strcmp(spec, "-") == 0)
        return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    int fd = open(spec, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        gw_log("access log %s: %s", spec, strerror(errno));
    return fd;
}

/* A new listening address must be bindable before the config is accepted, so a reload never
 * leaves workers half switched. A bound socket that never listens receives no connections. */
static int probe_listeners(struct gw_config *next, struct gw_config *prev, char *err, size_t errlen)
{
    for (size_t i = 0; i < next->n_listeners; i++) {
        struct gw_listener *l = &next->listeners[i];
        bool known = false;
        for (size_t k = 0; prev && k < prev->n_listeners; k++)
            known |= strcmp(prev->listeners[k].addr_key, l->addr_key) == 0;
        if (known)
            continue;
        int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
        }
        if (fd < 0 || bind(fd, (struct sockaddr *)&l->addr, l->addrlen) < 0) {
            snprintf(err, errlen, "listener %s: bind %s: %s", l->name, l->addr_key,
                     strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

static int setup_watches(int ifd, int *wds, size_t *n_wds, struct gw_config *c)
{
    for (size_t i = 0; i < *n_wds; i++)
        inotify_rm_watch(ifd, wds[i]);
    *n_wds = 0;
    for (char **f = c->watch_files; f && *f && *n_wds < 64; f++) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", *f);
        /* the directory, since editors and atomic writers replace the file by rename */
        int wd = inotify_add_watch(ifd, dirname(dir),
                                   IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
        if (wd >= 0)
            wds[(*n_wds)++] = wd;
    }
    return 0;
}

static bool is_watched(struct gw_config *c, const char *name)
{
    for (char **f = c->watch_files; f && *f; f++) {
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", *f);
        if (strcmp(basename(tmp), name) == 0)
            return true;
    }
    return false;
}

static int reload(const char *path, int workers, const char *why)
{
    char err[512] = "";
    struct gw_config *next;
    if (gw_config_load(path, &next, err, sizeof(err)) < 0) {
        gw_log("reload (%s) failed, keeping the running config: %s", why, err);
        atomic_fetch_add(&gw.reload_failures, 1);
        return -1;
    }
    next->workers = workers; /* the thread count is fixed at start */
    struct gw_config *prev = gw_current_config();
    int r = probe_listeners(next, prev, err, sizeof(err));
    gw_config_unref(prev);
    if (r < 0) {
        gw_log("reload (%s) failed, keeping the running config: %s", why, err);
        atomic_fetch_add(&gw.reload_failures, 1);
        gw_config_unref(next);
        return -1;
    }
    /* Reopen the access log (rotation, or a new path). dup3() swaps the file under the fd
     * number workers use, so no write can land in a closed or reused descriptor. */
    int logfd = open_log(next->access_log), cur = atomic_load(&gw.log_fd);
    if (logfd >= 0 && cur >= 0) {
        dup3(logfd, cur, O_CLOEXEC);
        close(logfd);
    } else if (logfd >= 0) {
        atomic_store(&gw.log_fd, logfd);
    } else {
        atomic_store(&gw.log_fd, -1); /* the old fd stays open: a writer may hold it */
    }
    pthread_mutex_lock(&gw.cfg_lock);
    struct gw_config *old = gw.cfg;
    gw.cfg = next;
    pthread_mutex_unlock(&gw.cfg_lock);
    for (int i = 0; i < gw.n_workers; i++)
        gw_worker_notify(gw.workers[i]);
    gw_config_unref(old);
    atomic_fetch_add(&gw.reloads, 1);
    gw_log("reloaded (%s)", why);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
                                          { "workers", required_argument, NULL, 'w' },
                                          { "check", no_argument, NULL, 'C' },
                                          { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    const char *path = NULL;
    int workers = 0, c;
    bool check_only = false;
    while ((c = getopt_long(argc, argv, "c:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'w':
            workers = atoi(optarg);
            if (workers < 1 || workers > GW_MAX_WORKERS) {
                fprintf(stderr, "lcont-gateway: --workers must be 1..%d\n", GW_MAX_WORKERS);
                return 2;
            }
            break;
        case 'C':
            check_only = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!path || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    /* sessions allocate and free the same buffer sizes all the time: keep the heap instead of
     * returning it to the kernel (and asking again) on every connection */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    /* SIGPIPE would kill the program when a peer vanishes mid-write */
    signal(SIGPIPE, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    pthread_sigmask(SIG_BLOCK, &mask, NULL); /* threads inherit it; only signalfd sees them */

    char err[512] = "";
    struct gw_config *cfg;
    if (gw_config_load(path, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "lcont-gateway: %s\n", err);
        return 1;
    }
    if (check_only) {
        printf("config ok: %zu listeners, %zu services\n", cfg->n_listeners, cfg->n_services);
        gw_config_unref(cfg);
        return 0;
    }
    if (workers)
        cfg->workers = workers;
    workers = cfg->workers;
    gw.cfg = cfg;
    atomic_store(&gw.log_fd, open_log(cfg->access_log));
    gw.n_workers = workers;
    for (int i = 0; i < workers; i++)
        if (gw_worker_start(i, err, sizeof(err)) < 0) {
            fprintf(stderr, "lcont-gateway: %s\n", err);
            return 1;
        }
    /* admin last: its /healthz answering means the listeners are open */
    if (cfg->admin_addr && gw_admin_start(cfg->admin_addr, err, sizeof(err)) < 0) {
        fprintf(stderr, "lcont-gateway: %s\n", err);
        return 1;
    }
    if (gw_health_start() < 0) {
        fprintf(stderr, "lcont-gateway: cannot start the health checker\n");
        return 1;
    }

    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wds[64];
    size_t n_wds = 0;
    if (ifd >= 0)
        setup_watches(ifd, wds, &n_wds, cfg);
    gw_log("ready: %d worker(s), %zu listener(s), liblcont %s", workers, cfg->n_listeners,
           lcont_version());

    for (;;) {
        struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = ifd, .events = POLLIN } };
        if (poll(p, ifd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents & POLLIN) {
            char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            bool hit = false;
            ssize_t n;
            struct gw_config *cur = gw_current_config();
            while ((n = read(ifd, buf, sizeof(buf))) > 0)
                for (char *q = buf; q < buf + n;) {
                    struct inotify_event *ev = (struct inotify_event *)q;
                    if (ev->len && is_watched(cur, ev->name))
                        hit = true;
                    q += sizeof(*ev) + ev->len;
                }
            gw_config_unref(cur);
            if (hit && reload(path, workers, "table file changed") == 0) {
                cur = gw_current_config();
                setup_watches(ifd, wds, &n_wds, cur);
                gw_config_unref(cur);
            }
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) != sizeof(si))
                continue;
            if (si.ssi_signo == SIGHUP) {
                if (reload(path, workers, "SIGHUP") == 0 && ifd >= 0) {
                    struct gw_config *cur = gw_current_config();
                    setup_watches(ifd, wds, &n_wds, cur);
                    gw_config_unref(cur);
                }
                continue;
            }
            gw_log("draining on signal %u", si.ssi_signo);
            atomic_store(&gw.stopping, 1);
            for (int i = 0; i < gw.n_workers; i++)
                gw_worker_notify(gw.workers[i]);
            for (int i = 0; i < gw.n_workers; i++)
                gw_worker_join(gw.workers[i]);
            gw_log("stopped");
            return 0;
        }
    }
    return 1;
}
