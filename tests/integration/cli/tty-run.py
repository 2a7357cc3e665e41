#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run "lcont-run run" (argv[1:]) on a fresh pty as its stdin/stdout/stderr,
like a user at a terminal. Checks that lcont-run puts that tty in raw mode
while the container runs, proxies input and output, and restores the tty.
The window size is 33x77 at start and 44x88 (with a SIGWINCH) before the
line is typed. Prints the captured output; exits with lcont-run's status."""
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios

master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
before = termios.tcgetattr(slave)
assert before[3] & termios.ICANON, "a fresh pty starts in canonical mode"
proc = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave)

output = b""
typed = False
raw_seen = False
while True:
    ready, _, _ = select.select([master], [], [], 0.05)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            chunk = b""
        output += chunk
    if not typed and b"ready" in output:
        # the container printed "ready" after start: raw mode must be on by now
        raw_seen = not (termios.tcgetattr(slave)[3] & (termios.ICANON | termios.ECHO))
        # lcont-run has no controlling tty: tell it about the resize ourselves;
        # the signal is pending before the line below can be read
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 44, 88, 0, 0))
        proc.send_signal(signal.SIGWINCH)
        os.write(master, b"typed-line\r")
        typed = True
    if proc.poll() is not None and not ready:
        break

after = termios.tcgetattr(slave)
sys.stdout.write(output.decode(errors="replace"))
if not raw_seen:
    sys.exit("lcont-run did not put its terminal in raw mode")
if after != before:
    sys.exit("lcont-run did not restore its terminal: %r != %r" % (after, before))
sys.exit(proc.returncode)
