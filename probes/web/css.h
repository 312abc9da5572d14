/*
 * A small, bounded CSS reader for what hides content from a visitor:
 * declarations of an inline style="" and the rules of a page's own
 * <style> blocks with simple selectors (tag, .class, #id, and compounds
 * of them such as div.ad#x).  Descendant selectors, @-rules and
 * anything else are skipped: a selector we do not understand must not
 * hide text we would otherwise check.
 */
#ifndef SHAOBING_WEB_CSS_H
#define SHAOBING_WEB_CSS_H

#include <stdbool.h>
#include <stddef.h>

#define CSS_RULES_MAX	2048	/* rules kept from one page */
#define CSS_NAME_MAX	64

/* The properties that matter for hiding; set says which were given. */
enum {
	CSS_DISPLAY = 1 << 0, CSS_VISIBILITY = 1 << 1, CSS_POSITION = 1 << 2,
	CSS_LEFT = 1 << 3, CSS_TOP = 1 << 4, CSS_INDENT = 1 << 5,
	CSS_WIDTH = 1 << 6, CSS_HEIGHT = 1 << 7, CSS_OVERFLOW = 1 << 8,
	CSS_FONT = 1 << 9, CSS_COLOR = 1 << 10, CSS_BG = 1 << 11,
};

struct css_style {
	unsigned	set;
	bool		display_none, vis_hidden, positioned, overflow_hidden;
	double		left, top, indent, width, height, font;	/* px */
	long		color, bg;		/* 0xRRGGBB */
};

struct css_rule {
	char		tag[16];
	char		cls[CSS_NAME_MAX];
	char		id[CSS_NAME_MAX];
	struct css_style st;
};

struct css_sheet {
	struct css_rule	*v;
	size_t		 n, cap;
	size_t		 skipped;	/* selectors we did not take */
};

/* Parse "prop: value; ..." into st (later declarations win). */
void	css_decls_parse(const char *s, size_t n, struct css_style *st);
/* Add the rules of one style sheet; -1 when out of memory. */
int	css_sheet_parse(struct css_sheet *sh, const char *s, size_t n);
void	css_sheet_free(struct css_sheet *sh);
/* Overlay the properties src sets onto dst. */
void	css_style_merge(struct css_style *dst, const struct css_style *src);
/*
 * Apply the sheet's rules that match an element (tag name, class
 * attribute, id) to st, in source order.
 */
void	css_sheet_apply(const struct css_sheet *sh, const char *tag,
	    const char *cls, const char *id, struct css_style *st);
/* A colour value ("#fff", "rgb(1,2,3)", "white"): 0xRRGGBB, or -1. */
long	css_color(const char *s, size_t n);

#endif
