#!/bin/sh
# Regenerate collector/console_page.c from collector/console/index.html
# (the web console's one page, embedded in shaobing-collector).  Run it
# after editing the page; tests/unit/test_console.c fails while the two
# differ.  Every line becomes one C string piece; \ " and ? are escaped
# (? so that no trigraph can form under -std=c11).
set -eu
cd "$(dirname "$0")/.."
src=collector/console/index.html
out=collector/console_page.c
{
	printf '/* Generated from %s by scripts/console_page.sh; do not edit. */\n' "$src"
	printf '#include "collector/console.h"\n\n'
	printf 'const char console_page_html[] =\n'
	LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
	    -e 's/^/	"/' -e 's/$/\\n"/' "$src"
	printf '\t;\n'
} >"$out.tmp"
mv "$out.tmp" "$out"
