/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stand-alone driver: runs LLVMFuzzerTestOneInput() over files and directories
 * given as arguments, so builds without libFuzzer (gcc) replay the corpus as a
 * normal test.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    struct stat st;
    uint8_t *buf;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(path);
        return 1;
    }
    /* An exact-size copy, so ASan catches any read past the input. */
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        return 1;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    printf("ok %s (%zu bytes)\n", path, len);
    return 0;
}

static int run_path(const char *path)
{
    struct dirent **names;
    struct stat st;
    int n, failed = 0;

    if (stat(path, &st) < 0) {
        perror(path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        perror(path);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            char child[4096];
            snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name);
            failed |= run_path(child);
        }
        free(names[i]);
    }
    free(names);
    return failed;
}

int main(int argc, char **argv)
{
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        failed |= run_path(argv[i]);
    return failed;
}
