#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H
/* SwiftPM drops pkg-config's -D_XOPEN_SOURCE=600 ("prohibited flag"): ask for the wide API here. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Function-like macros are not imported into Swift: expose them as inline functions. */
static inline int lsc_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int lsc_attr_bold(void) { return (int)A_BOLD; }
static inline int lsc_attr_reverse(void) { return (int)A_REVERSE; }
static inline int lsc_attr_dim(void) { return (int)A_DIM; }
static inline int lsc_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int lsc_attr_normal(void) { return (int)A_NORMAL; }
/* Swift 6 rejects reads of mutable C globals: read them through functions. */
static inline WINDOW *lsc_stdscr(void) { return stdscr; }
static inline WINDOW *lsc_curscr(void) { return curscr; }
static inline int lsc_lines(void) { return LINES; }
static inline int lsc_cols(void) { return COLS; }
static inline int lsc_colors(void) { return COLORS; }
static inline int lsc_color_pairs(void) { return COLOR_PAIRS; }
#endif
