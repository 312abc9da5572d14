/*
 * common/taxonomy: every level, status and category round-trips between
 * name and value, every type has a known category and both labels, and
 * every type the packet engine emits is in the list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "collector/incident.h"
#include "common/taxonomy.h"
#include "probes/packet/detector.h"
#include "probes/packet/engine.h"

/* Has at least one byte >= 0x80 (a Chinese label). */
static bool
has_cjk(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Plain ASCII and not empty (an English label). */
static bool
is_ascii(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void
test_levels(void **state)
{
	(void)state;
	for (int l = TAX_LEVEL_I; l <= TAX_LEVEL_IV; l++) {
		assert_int_equal(tax_level_parse(tax_level_code(l)), l);
		assert_int_equal(tax_level_parse(tax_level_zh(l)), l);
		assert_true(has_cjk(tax_level_zh(l)));
		assert_true(tax_level_at_least(l, l));
		assert_true(tax_level_at_least(TAX_LEVEL_I, l));
		assert_true(tax_level_at_least(l, TAX_LEVEL_IV));
	}
	assert_string_equal(tax_level_code(TAX_LEVEL_I), "I");
	assert_string_equal(tax_level_zh(TAX_LEVEL_I), "特别重大");
	assert_string_equal(tax_level_code(TAX_LEVEL_IV), "IV");
	assert_string_equal(tax_level_zh(TAX_LEVEL_IV), "一般");
	assert_false(tax_level_at_least(TAX_LEVEL_IV, TAX_LEVEL_III));
	assert_false(tax_level_at_least(TAX_LEVEL_NONE, TAX_LEVEL_IV));
	assert_string_equal(tax_level_code(0), "?");
	assert_string_equal(tax_level_code(5), "?");
	assert_string_equal(tax_level_zh(-1), "?");
	assert_int_equal(tax_level_parse("V"), TAX_LEVEL_NONE);
	assert_int_equal(tax_level_parse("?"), TAX_LEVEL_NONE);
	assert_int_equal(tax_level_parse(""), TAX_LEVEL_NONE);
	assert_int_equal(tax_level_parse(NULL), TAX_LEVEL_NONE);
}

static void
test_statuses(void **state)
{
	(void)state;
	for (int s = 0; s < TAX_STATUS_COUNT; s++) {
		assert_int_equal(tax_status_parse(tax_status_name(s)), s);
		assert_true(has_cjk(tax_status_zh(s)));
		assert_true(is_ascii(tax_status_en(s)));
	}
	assert_string_equal(tax_status_name(TAX_STATUS_FALSE_POSITIVE),
	    "false_positive");
	assert_string_equal(tax_status_zh(TAX_STATUS_OPEN), "待处理");
	assert_true(tax_status_active(TAX_STATUS_OPEN));
	assert_true(tax_status_active(TAX_STATUS_ACKNOWLEDGED));
	assert_false(tax_status_active(TAX_STATUS_RESOLVED));
	assert_false(tax_status_active(TAX_STATUS_FALSE_POSITIVE));
	assert_int_equal(tax_status_parse("Open"), -1);
	assert_int_equal(tax_status_parse("false-positive"), -1);
	assert_int_equal(tax_status_parse(NULL), -1);
	assert_string_equal(tax_status_name(TAX_STATUS_COUNT), "?");
	assert_string_equal(tax_status_zh(-1), "");
}

static void
test_categories(void **state)
{
	(void)state;
	assert_int_equal(tax_ncategories, 9);
	for (size_t i = 0; i < tax_ncategories; i++) {
		const struct tax_category *c = &tax_categories[i];

		assert_ptr_equal(tax_category_find(c->code), c);
		assert_ptr_equal(tax_category_of(c->code), c);
		assert_true(has_cjk(c->zh));
		assert_true(is_ascii(c->en));
		/* No code is a prefix of another: subcategories map back. */
		for (size_t j = 0; j < tax_ncategories; j++)
			if (j != i)
				assert_int_not_equal(strncmp(tax_categories[j].code,
				    c->code, strlen(c->code)), 0);
	}
	assert_string_equal(tax_category_of("NASCAN")->code, "NA");
	assert_string_equal(tax_category_of("SHEVULN")->code, "SHE");
	assert_string_equal(tax_category_of("DS")->code, "DS");
	assert_string_equal(tax_category_of("IC")->en,
	    "information content security");
	assert_string_equal(tax_category_of("XX")->code, "OT");
	assert_string_equal(tax_category_of("")->code, "OT");
	assert_null(tax_category_find("NASCAN"));
	assert_null(tax_category_find(NULL));
}

static void
test_types(void **state)
{
	(void)state;
	assert_true(tax_ntypes > 30);
	for (size_t i = 0; i < tax_ntypes; i++) {
		const struct tax_type	*t = &tax_types[i];
		char			 title[128];

		assert_true(has_cjk(t->zh));
		assert_true(is_ascii(t->en));
		assert_ptr_equal(tax_type_find(t->name), t);
		assert_true(t->level >= TAX_LEVEL_NONE &&
		    t->level <= TAX_LEVEL_IV);
		assert_true(t->min_severity >= SEV_INFO &&
		    t->min_severity <= SEV_CRITICAL);
		if (!t->opens_incident) {
			assert_string_equal(t->category, "");
			continue;
		}
		assert_non_null(tax_category_find(t->category));
		if (t->subcategory[0] != '\0')
			assert_string_equal(tax_category_of(t->subcategory)->code,
			    t->category);
		/* Only equipment faults close by themselves, and
		   certificate problems once the certificate is renewed. */
		if (t->auto_resolve && strcmp(t->name, "cert_*") != 0)
			assert_string_equal(t->category, "DE");
		tax_type_title(t, title, sizeof(title));
		assert_true(strlen(title) < sizeof(((struct incident_rule *)0)->title));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(tax_types[j].name, t->name);
	}
	/* Exact names and prefixes. */
	assert_string_equal(tax_type_find("cert_expired")->name, "cert_*");
	assert_string_equal(tax_type_find("weak_ciphers")->name, "weak_*");
	assert_string_equal(tax_type_find("port_scan")->category, "NA");
	assert_null(tax_type_find("no_such_type"));
	assert_null(tax_type_find("cert"));
	assert_true(tax_type_matches("cert_*", "cert_"));
	assert_false(tax_type_matches("port_scan", "port_scan2"));
}

/* Every packet detector (probes/packet/detectors.c) emits only types the
 * taxonomy knows, all findings that open incidents. */
static void
test_packet_types(void **state)
{
	int n = 0;

	(void)state;
	for (size_t d = 0; detector_registry[d] != NULL; d++) {
		const char *const *ty = detector_registry[d]->types;

		for (size_t i = 0; ty[i] != NULL; i++, n++) {
			const struct tax_type *t = tax_type_find(ty[i]);

			assert_non_null(t);
			assert_string_equal(t->name, ty[i]);
			assert_true(t->opens_incident);
			assert_string_equal(pkt_type_name(n), ty[i]);
		}
	}
	assert_true(n >= 12);
}

/* The incident engine's built-in rules are the taxonomy's findings. */
static void
test_incident_rules(void **state)
{
	struct incidents_conf	ic;
	size_t			n = 0;
	char			title[128];

	(void)state;
	assert_int_equal(incidents_conf_defaults(&ic), 0);
	for (size_t i = 0; i < tax_ntypes; i++) {
		const struct tax_type		*t = &tax_types[i];
		const struct incident_rule	*r;

		if (!t->opens_incident)
			continue;
		assert_true(n < ic.nrules);
		r = &ic.rules[n++];
		assert_string_equal(r->pattern, t->name);
		assert_string_equal(r->category, t->category);
		assert_string_equal(r->subcategory, t->subcategory);
		assert_int_equal(r->level, t->level);
		tax_type_title(t, title, sizeof(title));
		assert_string_equal(r->title, title);
	}
	assert_int_equal(n, ic.nrules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_packet_types),
		cmocka_unit_test(test_incident_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
