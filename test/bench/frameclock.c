/*
 * frameclock: the test pattern of the speed benchmark (docs/performance.md).
 *
 * Runs on the remote X display and draws frames at a fixed pace. Every frame
 * carries its number, the wall-clock time in ms and a count of key presses
 * seen, in a row of black/white blocks at the top left (the layout and its
 * check value are described in frameCode.ts; keep the two in step), plus the
 * content of one scenario:
 *   full    the whole screen changes every frame (a textured gradient moving
 *           sideways: video-like, the worst case for the client);
 *   region  a 200x50 box changes (typing-like);
 *   scroll  lines of text scroll up, one line per frame, by XCopyArea inside
 *           the window (a terminal printing output: the everyday case).
 * The clock is CLOCK_REALTIME: the reader runs on the same machine, so its
 * "now" minus the time in the frame is the glass-to-glass latency.
 *
 *   frameclock --scenario full|region|scroll [--fps 60|30|0] [--phase-steps N] [--width W --height H]
 * --fps 0 draws unpaced (as fast as the X server takes frames): label such runs.
 * Prints "ready" on stdout after the first frame; on SIGTERM/SIGINT prints one
 * line of its own figures on stderr and exits. With --phase-steps N, each
 * SIGUSR1 moves the pace's phase on by 1/N of a frame interval (one frame
 * drawn that much later, the pace unchanged): a browser's animation frames
 * tick on one grid for every page, so a reader that sees frames only at
 * animation frames is measured at N phases of the clock against that grid,
 * not at one (docs/performance.md, "Sampling at 60 frames/s").
 *
 * Build: cc -O2 -o frameclock frameclock.c -lX11
 */
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { BLOCK = 24, COLS = 32, ROWS = 2, CODE_BYTES = 8 };
enum { REGION_W = 200, REGION_H = 50 };

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) { (void)sig; stopping = 1; }
static volatile sig_atomic_t phase_shifts = 0;
static void on_shift(int sig) { (void)sig; phase_shifts++; }

static uint8_t crc8(const uint8_t *bytes, int length) {
  uint8_t crc = 0;
  for (int i = 0; i < length; i++) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
  }
  return crc ^ 0x55;
}

static double mono_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t realtime_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (uint64_t)t.tv_sec * 1000u + (uint64_t)(t.tv_nsec / 1000000);
}

static unsigned long rgb(int r, int g, int b) { return ((unsigned long)(r & 255) << 16) | ((unsigned long)(g & 255) << 8) | (unsigned long)(b & 255); }

static uint32_t hash32(uint32_t x) {
  x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
  return x;
}

static Display *dpy;
static Window win;
static GC gc;
static int width, height;

static void draw_code(uint32_t frame, uint64_t now_ms, uint8_t keys) {
  uint8_t bytes[CODE_BYTES];
  uint32_t low = (uint32_t)(now_ms & 0xffffffffu);
  bytes[0] = (uint8_t)(frame >> 8); bytes[1] = (uint8_t)frame;
  bytes[2] = (uint8_t)(low >> 24); bytes[3] = (uint8_t)(low >> 16); bytes[4] = (uint8_t)(low >> 8); bytes[5] = (uint8_t)low;
  bytes[6] = keys;
  bytes[7] = crc8(bytes, 7);
  XRectangle ones[ROWS * COLS];
  int n = 0;
  for (int bit = 0; bit < ROWS * COLS; bit++) {
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) {
      ones[n].x = (short)((bit % COLS) * BLOCK);
      ones[n].y = (short)((bit / COLS) * BLOCK);
      ones[n].width = BLOCK;
      ones[n].height = BLOCK;
      n++;
    }
  }
  XSetForeground(dpy, gc, rgb(0, 0, 0));
  XFillRectangle(dpy, win, gc, 0, 0, COLS * BLOCK, ROWS * BLOCK);
  XSetForeground(dpy, gc, rgb(255, 255, 255));
  XFillRectangles(dpy, win, gc, ones, n);
}

/* full: a texture twice the screen width, periodic in x, copied with a moving offset. */
static Pixmap texture;
static void full_init(void) {
  int tw = 2 * width;
  texture = XCreatePixmap(dpy, win, (unsigned)tw, (unsigned)height, 24);
  int band = 64; /* rows per XPutImage, to stay under the request size */
  char *data = malloc((size_t)tw * band * 4);
  XImage *image = XCreateImage(dpy, DefaultVisual(dpy, DefaultScreen(dpy)), 24, ZPixmap, 0, data, (unsigned)tw, (unsigned)band, 32, tw * 4);
  for (int y0 = 0; y0 < height; y0 += band) {
    int rows = height - y0 < band ? height - y0 : band;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < tw; x++) {
        int px = x % width, py = y0 + y;
        uint32_t noise = hash32((uint32_t)(px / 8) * 7919u + (uint32_t)(py / 8) * 104729u) & 63;
        int r = (px * 255 / width + (int)noise) & 255;
        int g = (py * 255 / height + (int)(noise >> 1)) & 255;
        int b = ((px / 32 + py / 32) & 1) ? 200 - (int)noise : 60 + (int)noise;
        XPutPixel(image, x, y, rgb(r, g, b));
      }
    }
    XPutImage(dpy, texture, gc, image, 0, 0, 0, y0, (unsigned)tw, (unsigned)rows);
  }
  XDestroyImage(image);
}
static void full_frame(uint32_t frame) {
  int offset = (int)((frame * 13u) % (uint32_t)width);
  XCopyArea(dpy, texture, win, gc, offset, 0, (unsigned)width, (unsigned)height, 0, 0);
}

/* region: a still background with one small box that changes. */
static int region_x, region_y;
static void region_init(void) {
  XSetForeground(dpy, gc, rgb(0x33, 0x66, 0x99));
  XFillRectangle(dpy, win, gc, 0, 0, (unsigned)width, (unsigned)height);
  region_x = width / 2 - REGION_W / 2;
  region_y = height / 2 - REGION_H / 2;
}
static void region_frame(uint32_t frame) {
  char text[64];
  XSetForeground(dpy, gc, rgb((int)(frame * 5), 255 - (int)(frame * 3), 128));
  XFillRectangle(dpy, win, gc, region_x, region_y, REGION_W, REGION_H);
  XSetForeground(dpy, gc, rgb(0, 0, 0));
  int n = snprintf(text, sizeof text, "typing... frame %u", frame);
  XDrawString(dpy, win, gc, region_x + 8, region_y + 30, text, n);
}

/* scroll: a white text area below the code row, scrolled by one line per frame. */
static XFontStruct *font;
static int line_h, area_y;
static void scroll_init(void) {
  font = XLoadQueryFont(dpy, "fixed");
  if (!font) { fprintf(stderr, "frameclock: no 'fixed' font\n"); exit(2); }
  XSetFont(dpy, gc, font->fid);
  line_h = font->ascent + font->descent;
  area_y = ROWS * BLOCK + 8;
  XSetForeground(dpy, gc, rgb(255, 255, 255));
  XFillRectangle(dpy, win, gc, 0, 0, (unsigned)width, (unsigned)height);
}
static void scroll_frame(uint32_t frame) {
  static const char *words[] = {"drwxr-xr-x", "root", "4096", "src/", "main.c", "-rw-r--r--", "1234567", "Makefile", "build", "ok", "test", "passed", "warning:", "unused", "variable", "linking", "libX11.so.6", "12:04"};
  char line[512];
  int n = snprintf(line, sizeof line, "%08u ", frame);
  uint32_t h = hash32(frame);
  while (n < (int)sizeof line - 16 && XTextWidth(font, line, n) < width - 40) {
    const char *w = words[h % (sizeof words / sizeof *words)];
    h = hash32(h);
    n += snprintf(line + n, sizeof line - (size_t)n, "%s ", w);
  }
  int area_h = height - area_y;
  int lines = area_h / line_h;
  int bottom = area_y + (lines - 1) * line_h;
  XCopyArea(dpy, win, win, gc, 0, area_y + line_h, (unsigned)width, (unsigned)((lines - 1) * line_h), 0, area_y);
  XSetForeground(dpy, gc, rgb(255, 255, 255));
  XFillRectangle(dpy, win, gc, 0, bottom, (unsigned)width, (unsigned)line_h);
  XSetForeground(dpy, gc, rgb(0, 0, 0));
  XDrawString(dpy, win, gc, 4, bottom + font->ascent, line, n);
}

static void usage(void) {
  fprintf(stderr, "usage: frameclock --scenario full|region|scroll [--fps 60|30|0] [--phase-steps N] [--width W --height H]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *scenario = NULL;
  int fps = 60;
  int phase_steps = 0;
  width = 0; height = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--scenario") && i + 1 < argc) scenario = argv[++i];
    else if (!strcmp(argv[i], "--fps") && i + 1 < argc) fps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--phase-steps") && i + 1 < argc) phase_steps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--width") && i + 1 < argc) width = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--height") && i + 1 < argc) height = atoi(argv[++i]);
    else usage();
  }
  if (!scenario || (strcmp(scenario, "full") && strcmp(scenario, "region") && strcmp(scenario, "scroll")) || fps < 0) usage();
  dpy = XOpenDisplay(NULL);
  if (!dpy) { fprintf(stderr, "frameclock: cannot open display\n"); return 1; }
  int screen = DefaultScreen(dpy);
  if (!width) width = DisplayWidth(dpy, screen);
  if (!height) height = DisplayHeight(dpy, screen);
  if (DefaultDepth(dpy, screen) != 24) { fprintf(stderr, "frameclock: needs a 24-bit display\n"); return 1; }

  XSetWindowAttributes attributes;
  attributes.override_redirect = True;
  attributes.background_pixel = 0;
  attributes.event_mask = KeyPressMask | StructureNotifyMask;
  win = XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, (unsigned)width, (unsigned)height, 0, 24, InputOutput, DefaultVisual(dpy, screen),
                      CWOverrideRedirect | CWBackPixel | CWEventMask, &attributes);
  XStoreName(dpy, win, "frameclock");
  XGCValues values;
  values.graphics_exposures = False;
  gc = XCreateGC(dpy, win, GCGraphicsExposures, &values);
  XMapRaised(dpy, win);
  for (XEvent event;;) {
    XNextEvent(dpy, &event);
    if (event.type == MapNotify) break;
  }
  /* Keys sent through a client to the server land here (no window manager). */
  XSetInputFocus(dpy, win, RevertToPointerRoot, CurrentTime);

  void (*frame_fn)(uint32_t);
  if (!strcmp(scenario, "full")) { full_init(); frame_fn = full_frame; }
  else if (!strcmp(scenario, "region")) { region_init(); frame_fn = region_frame; }
  else { scroll_init(); frame_fn = scroll_frame; }

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  action.sa_handler = on_shift;
  sigaction(SIGUSR1, &action, NULL);

  double period = fps > 0 ? 1.0 / fps : 0;
  double started = mono_s(), next = started;
  uint32_t frame = 0;
  uint8_t keys = 0;
  unsigned long late = 0;
  int shifts_applied = 0;
  while (!stopping) {
    while (XPending(dpy)) {
      XEvent event;
      XNextEvent(dpy, &event);
      if (event.type == KeyPress) keys++;
    }
    frame_fn(frame);
    draw_code(frame, realtime_ms(), keys);
    /* The server has the frame before its timestamp ages. */
    XSync(dpy, False);
    if (frame == 0) { printf("ready\n"); fflush(stdout); }
    frame++;
    if (period > 0) {
      next += period;
      if (phase_steps > 0 && phase_shifts != shifts_applied) {
        int shifts = phase_shifts - shifts_applied;
        shifts_applied += shifts;
        next += period * (shifts % phase_steps) / phase_steps;
      }
      double now = mono_s();
      if (now > next + period) { late++; next = now; } /* fell behind: no burst to catch up */
      struct timespec until = { (time_t)next, (long)((next - (double)(time_t)next) * 1e9) };
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR && !stopping) {}
    }
  }
  double seconds = mono_s() - started;
  struct rusage usage_;
  getrusage(RUSAGE_SELF, &usage_);
  double cpu = usage_.ru_utime.tv_sec + usage_.ru_utime.tv_usec / 1e6 + usage_.ru_stime.tv_sec + usage_.ru_stime.tv_usec / 1e6;
  fprintf(stderr, "frameclock: scenario=%s fps_target=%d frames=%u seconds=%.3f fps=%.2f late=%lu cpu_s=%.3f keys=%u\n", scenario, fps, frame, seconds,
          frame / seconds, late, cpu, keys);
  XCloseDisplay(dpy);
  return 0;
}
