/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pins the layout of every released public options struct and the value of
 * every public constant (STYLE §6.4, §5.2). abidiff does not see macros, and
 * anonymous enums that no function signature uses are invisible to it, so
 * they are pinned here too.
 *
 * Rules: asserts may be ADDED (for a new field or a new struct), existing
 * ones are never changed. A failing assert here means an ABI break.
 */
#include <lcont/lcont.h>

#include <stddef.h>
#include <stdio.h>

#define PIN_SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof(" #type ") changed")
#define PIN_OFFSET(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), "offsetof(" #type ", " #field ") changed")
#define PIN_VALUE(name, value) _Static_assert((name) == (value), #name " changed")

/* The struct layouts below are those of x86-64 (LP64). */
#if defined(__x86_64__) && defined(__LP64__)

/* ---- lcont_context_opts, 0.1 (16 bytes), 0.2 appends store_root ---- */
PIN_SIZE(lcont_context_opts, 24);
PIN_OFFSET(lcont_context_opts, struct_size, 0);
PIN_OFFSET(lcont_context_opts, state_root, 8);
PIN_OFFSET(lcont_context_opts, store_root, 16);
_Static_assert(_Alignof(lcont_context_opts) == 8, "alignment of lcont_context_opts changed");

/* ---- lcont_create_opts, 0.1 ---- */
PIN_SIZE(lcont_create_opts, 48);
PIN_OFFSET(lcont_create_opts, struct_size, 0);
PIN_OFFSET(lcont_create_opts, bundle, 8);
PIN_OFFSET(lcont_create_opts, console_socket, 16);
PIN_OFFSET(lcont_create_opts, pid_file, 24);
PIN_OFFSET(lcont_create_opts, preserve_fds, 32);
PIN_OFFSET(lcont_create_opts, stdin_fd, 36);
PIN_OFFSET(lcont_create_opts, stdout_fd, 40);
PIN_OFFSET(lcont_create_opts, stderr_fd, 44);
_Static_assert(_Alignof(lcont_create_opts) == 8, "alignment of lcont_create_opts changed");

#define LAYOUT_PINNED 1
#else
#define LAYOUT_PINNED 0
#endif

/* ---- constants, 0.1 (any architecture) ---- */
PIN_VALUE(LCONT_LOG_ERROR, 3);
PIN_VALUE(LCONT_LOG_WARNING, 4);
PIN_VALUE(LCONT_LOG_INFO, 6);
PIN_VALUE(LCONT_LOG_DEBUG, 7);

PIN_VALUE(LCONT_STATUS_CREATING, 0);
PIN_VALUE(LCONT_STATUS_CREATED, 1);
PIN_VALUE(LCONT_STATUS_RUNNING, 2);
PIN_VALUE(LCONT_STATUS_STOPPED, 3);
PIN_VALUE(LCONT_STATUS_PAUSED, 4);

PIN_VALUE(LCONT_CREATE_NO_PIVOT, 1ULL << 0);
PIN_VALUE(LCONT_CREATE_STDIO, 1ULL << 1);
PIN_VALUE(LCONT_KILL_ALL, 1ULL << 0);
PIN_VALUE(LCONT_DELETE_FORCE, 1ULL << 0);
PIN_VALUE(LCONT_WAIT_NOHANG, 1ULL << 0);
PIN_VALUE(LCONT_SPEC_ROOTLESS, 1ULL << 0);

/* Flags are uint64_t bits (STYLE §5.2): a flag macro must have that width. */
_Static_assert(sizeof(LCONT_CREATE_STDIO) == 8, "flags must be 1ULL << n");

int main(void)
{
    /* The checks above run at compile time; this only tells which ones did. */
    if (!LAYOUT_PINNED) {
        printf("struct layouts are pinned for x86-64 only; constants checked\n");
        return 77;
    }
    printf("layout of lcont_context_opts (%zu bytes) and lcont_create_opts (%zu bytes) "
           "as pinned for 0.1\n",
           sizeof(lcont_context_opts), sizeof(lcont_create_opts));
    return 0;
}
