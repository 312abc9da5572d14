/*
 * The GB/T 20986-2023 taxonomy tables.  See taxonomy.h.
 */
#include <stdio.h>
#include <string.h>

#include "common/taxonomy.h"

/* ---- levels --------------------------------------------------------- */

static const char *const level_codes[TAX_LEVEL_COUNT] = {
	"?", "I", "II", "III", "IV"
};
static const char *const level_zh[TAX_LEVEL_COUNT] = {
	"?", "特别重大", "重大", "较大", "一般"
};

const char *
tax_level_code(int level)
{
	return level > TAX_LEVEL_NONE && level <= TAX_LEVEL_IV ?
	    level_codes[level] : "?";
}

const char *
tax_level_zh(int level)
{
	return level > TAX_LEVEL_NONE && level <= TAX_LEVEL_IV ?
	    level_zh[level] : "?";
}

int
tax_level_parse(const char *s)
{
	if (s == NULL)
		return TAX_LEVEL_NONE;
	for (int i = TAX_LEVEL_I; i <= TAX_LEVEL_IV; i++)
		if (strcmp(s, level_codes[i]) == 0 ||
		    strcmp(s, level_zh[i]) == 0)
			return i;
	return TAX_LEVEL_NONE;
}

bool
tax_level_at_least(int level, int min)
{
	return level > TAX_LEVEL_NONE && level <= TAX_LEVEL_IV &&
	    level <= min;
}

/* ---- statuses ------------------------------------------------------- */

static const struct {
	const char	*name, *zh, *en;
} statuses[TAX_STATUS_COUNT] = {
	[TAX_STATUS_OPEN] = { "open", "待处理", "open" },
	[TAX_STATUS_ACKNOWLEDGED] = { "acknowledged", "已确认", "acknowledged" },
	[TAX_STATUS_RESOLVED] = { "resolved", "已解决", "resolved" },
	[TAX_STATUS_FALSE_POSITIVE] = { "false_positive", "误报",
	    "false positive" },
};

const char *
tax_status_name(int st)
{
	return st >= 0 && st < TAX_STATUS_COUNT ? statuses[st].name : "?";
}

const char *
tax_status_zh(int st)
{
	return st >= 0 && st < TAX_STATUS_COUNT ? statuses[st].zh : "";
}

const char *
tax_status_en(int st)
{
	return st >= 0 && st < TAX_STATUS_COUNT ? statuses[st].en : "";
}

int
tax_status_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < TAX_STATUS_COUNT; i++)
		if (strcmp(s, statuses[i].name) == 0)
			return i;
	return -1;
}

bool
tax_status_active(int st)
{
	return st == TAX_STATUS_OPEN || st == TAX_STATUS_ACKNOWLEDGED;
}

/* ---- categories ----------------------------------------------------- */

const struct tax_category tax_categories[] = {
	{ "MP", "恶意程序", "malware" },
	{ "NA", "网络攻击", "network attack" },
	{ "DS", "数据安全", "data security" },
	{ "IC", "信息内容安全", "information content security" },
	{ "DE", "设备设施故障", "equipment fault" },
	{ "RO", "违规操作", "policy violation" },
	{ "SHE", "安全隐患", "security hazard" },
	{ "AB", "异常行为", "abnormal behaviour" },
	{ "OT", "其他", "other" },
};
const size_t tax_ncategories = sizeof(tax_categories) /
    sizeof(tax_categories[0]);

const struct tax_category *
tax_category_find(const char *code)
{
	for (size_t i = 0; code != NULL && i < tax_ncategories; i++)
		if (strcmp(code, tax_categories[i].code) == 0)
			return &tax_categories[i];
	return NULL;
}

const struct tax_category *
tax_category_of(const char *code)
{
	const struct tax_category *c = tax_category_find(code);

	/* A subcategory starts with its category's code; no code is a
	   prefix of another (MP NA DS IC DE RO SHE AB OT). */
	for (size_t i = 0; c == NULL && code != NULL && i < tax_ncategories;
	    i++)
		if (strncmp(code, tax_categories[i].code,
		    strlen(tax_categories[i].code)) == 0)
			c = &tax_categories[i];
	return c != NULL ? c : tax_category_find("OT");
}

/* ---- event and finding types ---------------------------------------- */

#define TAX_ROW(name, cat, sub, minsev, lvl, autores, matters, opens, zh, en) \
	{ #name, cat, sub, minsev, lvl, autores, matters, opens, zh, en },

const struct tax_type tax_types[] = {
	TAX_TYPES(TAX_ROW)
};
const size_t tax_ntypes = sizeof(tax_types) / sizeof(tax_types[0]);

bool
tax_type_matches(const char *pattern, const char *type)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*')
		return strncmp(pattern, type, n - 1) == 0;
	return strcmp(pattern, type) == 0;
}

const struct tax_type *
tax_type_find(const char *type)
{
	const struct tax_type *prefix = NULL;

	for (size_t i = 0; i < tax_ntypes; i++) {
		if (strcmp(tax_types[i].name, type) == 0)
			return &tax_types[i];
		if (prefix == NULL && tax_type_matches(tax_types[i].name, type))
			prefix = &tax_types[i];
	}
	return prefix;
}

void
tax_type_title(const struct tax_type *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", t->zh, t->en);
}
