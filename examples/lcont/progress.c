/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's progress callback: a bar redrawn in place when stderr is a
 * terminal, otherwise one plain line per blob or layer (logs and pipes stay
 * readable, as podman does).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define BAR_WIDTH 30

void progress_init(struct cli *cli)
{
    cli->progress_tty = isatty(STDERR_FILENO);
    cli->last_phase = 0;
    cli->last_index = UINT32_MAX;
    cli->bar_shown = 0;
}

static const char *phase_verb(int phase)
{
    return phase == LCONT_IMAGE_PHASE_COPY ? "Copying blob" : "Unpacking layer";
}

/* "sha256:0123456789ab" -> "0123456789ab" */
static const char *short_digest(const char *digest)
{
    static const char prefix[] = "sha256:";
    static char buf[13];

    if (!digest || !*digest)
        return "";
    if (strncmp(digest, prefix, sizeof(prefix) - 1) == 0)
        digest += sizeof(prefix) - 1;
    snprintf(buf, sizeof(buf), "%s", digest);
    return buf;
}

static void draw_bar(const lcont_image_progress *p)
{
    char done[16], total[16], bar[BAR_WIDTH + 1];
    unsigned filled = 0;

    format_size(p->bytes_done, done, sizeof(done));
    if (p->bytes_total > 0) {
        uint64_t d = p->bytes_done > p->bytes_total ? p->bytes_total : p->bytes_done;
        filled = (unsigned)(d * BAR_WIDTH / p->bytes_total);
    }
    for (unsigned i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '=' : (i == filled && p->bytes_total ? '>' : ' ');
    bar[BAR_WIDTH] = '\0';
    if (p->bytes_total > 0) {
        format_size(p->bytes_total, total, sizeof(total));
        fprintf(stderr, "\r\033[K%s %u/%u %s [%s] %s / %s", phase_verb(p->phase), p->index + 1,
                p->count, short_digest(p->digest), bar, done, total);
    } else {
        fprintf(stderr, "\r\033[K%s %u/%u %s %s, %llu entries", phase_verb(p->phase), p->index + 1,
                p->count, short_digest(p->digest), done, (unsigned long long)p->entries);
    }
    fflush(stderr);
}

void progress_report(const lcont_image_progress *p, void *userdata)
{
    struct cli *cli = userdata;
    int first = p->phase != cli->last_phase || p->index != cli->last_index;

    if (p->phase == LCONT_IMAGE_PHASE_DONE) {
        progress_finish(cli);
        cli->last_phase = p->phase;
        return;
    }
    if (p->phase != LCONT_IMAGE_PHASE_COPY && p->phase != LCONT_IMAGE_PHASE_UNPACK)
        return; /* a phase this program does not know yet */
    if (cli->progress_tty) {
        if (first && cli->bar_shown)
            fputc('\n', stderr); /* keep the finished line */
        draw_bar(p);
        cli->bar_shown = 1;
    } else if (first) {
        fprintf(stderr, "%s %s (%u/%u)\n", phase_verb(p->phase),
                p->digest && *p->digest ? p->digest : "-", p->index + 1, p->count);
    }
    cli->last_phase = p->phase;
    cli->last_index = p->index;
}

void progress_finish(struct cli *cli)
{
    if (cli->progress_tty && cli->bar_shown)
        fputc('\n', stderr);
    cli->bar_shown = 0;
    cli->last_phase = 0;
    cli->last_index = UINT32_MAX;
}
