/*
 * xcapture: reads the frame clock's code row (see frameCode.ts) off a native
 * client's X display, for the speed benchmark (docs/performance.md).
 *
 * Grabs only the thin strip through the block centres, with one XGetImage per
 * sample (one request, so the X server answers it atomically), samples the
 * centre of each block, and whenever the 64 bits differ from the previous
 * sample prints them with the wall-clock time of the read:
 *   F <16 hex digits> <CLOCK_REALTIME ms, 3 decimals>
 * The bench decodes these lines with the same TypeScript decoder the page uses
 * (a torn read fails the check value there). With --keys it also reads lines
 * from stdin; each "key" line sends one key press and release through XTEST to
 * the focused window (the client) and prints
 *   K <CLOCK_REALTIME ms, 3 decimals>   (taken just before sending)
 * On SIGTERM/SIGINT it prints its own cost:
 *   S samples=N seconds=S rate=R cpu_s=C
 *
 *   xcapture [--x X --y Y] [--interval-us N] [--keys]
 * X, Y: where the remote desktop's top-left corner is on this display's root.
 * --interval-us 0 (the default) samples as fast as it can.
 *
 * Build: cc -O2 -o xcapture xcapture.c -lX11 -lXtst
 */
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { BLOCK = 24, COLS = 32, ROWS = 2, CODE_BYTES = 8 };

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }

static double realtime_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int x0 = 0, y0 = 0, keys = 0;
  long interval_us = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--x") && i + 1 < argc) x0 = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--y") && i + 1 < argc) y0 = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--interval-us") && i + 1 < argc) interval_us = atol(argv[++i]);
    else if (!strcmp(argv[i], "--keys")) keys = 1;
    else { fprintf(stderr, "usage: xcapture [--x X --y Y] [--interval-us N] [--keys]\n"); return 2; }
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) { fprintf(stderr, "xcapture: cannot open display\n"); return 1; }
  Window root = DefaultRootWindow(dpy);
  int event_base, error_base, major, minor;
  if (keys && !XTestQueryExtension(dpy, &event_base, &error_base, &major, &minor)) { fprintf(stderr, "xcapture: no XTEST\n"); return 1; }
  KeyCode key = XKeysymToKeycode(dpy, XK_x);

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  const int strip_w = COLS * BLOCK, strip_h = (ROWS - 1) * BLOCK + 1;
  uint8_t last[CODE_BYTES] = {0}, now[CODE_BYTES];
  int have_last = 0;
  unsigned long samples = 0;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  char line[64];
  size_t line_len = 0;
  while (!stopping) {
    XImage *image = XGetImage(dpy, root, x0, y0 + BLOCK / 2, (unsigned)strip_w, (unsigned)strip_h, AllPlanes, ZPixmap);
    double at = realtime_ms();
    if (!image) { fprintf(stderr, "xcapture: XGetImage failed\n"); return 1; }
    samples++;
    memset(now, 0, sizeof now);
    for (int bit = 0; bit < ROWS * COLS; bit++) {
      unsigned long p = XGetPixel(image, (bit % COLS) * BLOCK + BLOCK / 2, (bit / COLS) * BLOCK);
      int sum = (int)((p >> 16) & 255) + (int)((p >> 8) & 255) + (int)(p & 255);
      if (sum > 3 * 127) now[bit >> 3] |= (uint8_t)(0x80 >> (bit & 7));
    }
    XDestroyImage(image);
    if (!have_last || memcmp(now, last, sizeof now)) {
      printf("F %02x%02x%02x%02x%02x%02x%02x%02x %.3f\n", now[0], now[1], now[2], now[3], now[4], now[5], now[6], now[7], at);
      memcpy(last, now, sizeof now);
      have_last = 1;
    }
    struct pollfd in = { keys ? 0 : -1, POLLIN, 0 };
    int timeout_ms = interval_us > 0 ? (int)((interval_us + 999) / 1000) : 0;
    if (interval_us > 0 && interval_us < 1000) { usleep((useconds_t)interval_us); timeout_ms = 0; }
    if (poll(&in, 1, timeout_ms) > 0 && (in.revents & POLLIN)) {
      char c;
      ssize_t got;
      while ((got = read(0, &c, 1)) == 1 && c != '\n' && line_len < sizeof line - 1) line[line_len++] = c;
      if (got == 0) keys = 0; /* stdin closed */
      line[line_len] = 0;
      if (c == '\n' || got <= 0) {
        if (!strcmp(line, "key")) {
          double sent = realtime_ms();
          XTestFakeKeyEvent(dpy, key, True, 0);
          XTestFakeKeyEvent(dpy, key, False, 0);
          XFlush(dpy);
          printf("K %.3f\n", sent);
        }
        line_len = 0;
      }
    }
  }
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  struct rusage usage_;
  getrusage(RUSAGE_SELF, &usage_);
  double cpu = usage_.ru_utime.tv_sec + usage_.ru_utime.tv_usec / 1e6 + usage_.ru_stime.tv_sec + usage_.ru_stime.tv_usec / 1e6;
  printf("S samples=%lu seconds=%.3f rate=%.1f cpu_s=%.3f\n", samples, seconds, samples / seconds, cpu);
  XCloseDisplay(dpy);
  return 0;
}
