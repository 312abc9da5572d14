/*
 * Parsers for the system description files: os-release(5), /proc/cpuinfo,
 * /proc/meminfo, /proc/stat (btime), /proc/self/mounts (fstab(5) format),
 * /proc/filesystems and simple KEY=value files.
 */
#include <string.h>

#include "probes/inventory/inventory.h"

/*
 * "debian" (dpkg), "rpm" (rpm) or "other", from ID_LIKE first, then ID.
 * Kylin uses ID=kylin for its Debian-based desktop and its RPM-based
 * server (Kylin Linux Advanced Server, no ID_LIKE): NAME tells them apart.
 */
static int
word_in(const char *list, const char *const *words)
{
	for (int i = 0; list != NULL && words[i] != NULL; i++) {
		const char *s = list;
		size_t n = strlen(words[i]);

		while ((s = strcasestr(s, words[i])) != NULL) {
			if ((s == list || s[-1] == ' ') && (s[n] == '\0' || s[n] == ' '))
				return 1;
			s += n;
		}
	}
	return 0;
}

static const char *
os_family(const char *id, const char *like, const char *name)
{
	static const char *const debian[] = { "debian", "ubuntu", "kylin", "uos",
	    "deepin", NULL };
	static const char *const rpm[] = { "rhel", "fedora", "centos", "openEuler",
	    "euleros", "anolis", "opencloudos", "rocky", "almalinux", "suse", NULL };

	if (word_in(like, debian))
		return "debian";
	if (word_in(like, rpm))
		return "rpm";
	if (id != NULL && strcasecmp(id, "kylin") == 0 && name != NULL &&
	    strcasestr(name, "Server") != NULL)
		return "rpm";
	if (word_in(id, rpm))
		return "rpm";
	/* Old UOS builds: ID="UnionTech OS Desktop": a prefix is enough. */
	for (int i = 0; id != NULL && debian[i] != NULL; i++)
		if (strncasecmp(id, debian[i], strlen(debian[i])) == 0)
			return "debian";
	return "other";
}

/*
 * os-release(5): KEY=VALUE, VALUE optionally in double or single quotes
 * with backslash escapes inside double quotes.  Keys kept (lower-cased in
 * the output): ID, ID_LIKE, NAME, VERSION, VERSION_ID, VERSION_CODENAME,
 * PRETTY_NAME.  Kylin ("ID=kylin") and UOS ("ID=uos", "ID=UnionTech OS
 * Desktop" on old builds) are just values here; "family" says how the
 * system is packaged ("debian", "rpm", "other"; os_family above).
 */
json_t *
inv_parse_os_release(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	static const char *const keys[] = { "ID", "ID_LIKE", "NAME", "VERSION",
	    "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME", NULL };
	json_t *o = json_object();
	struct rbuf b;
	struct inv_str line;
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;
	const char *family;
	json_t *id, *like;

	if (o == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		struct inv_str t = inv_trim(line), k, v;
		char val[512], key[64];
		size_t eq, o_len = 0;

		lineno++;
		if (t.len == 0 || t.p[0] == '#')
			continue;
		for (eq = 0; eq < t.len && t.p[eq] != '='; eq++)
			;
		if (eq == t.len || eq == 0) {
			inv_bad_note(&bad, lineno, "expected KEY=value");
			continue;
		}
		k.p = t.p;
		k.len = eq;
		v.p = t.p + eq + 1;
		v.len = t.len - eq - 1;
		if (v.len > 0 && (v.p[0] == '"' || v.p[0] == '\'')) {
			char q = v.p[0];
			size_t i = 1;
			int closed = 0;

			for (; i < v.len; i++) {
				char c = v.p[i];

				if (c == q) {
					closed = 1;
					break;
				}
				if (q == '"' && c == '\\' && i + 1 < v.len)
					c = v.p[++i];
				if (o_len < sizeof(val) - 1)
					val[o_len++] = c;
			}
			if (!closed) {
				inv_bad_note(&bad, lineno, "unterminated quote");
				continue;
			}
		} else {
			o_len = v.len < sizeof(val) - 1 ? v.len : sizeof(val) - 1;
			memcpy(val, v.p, o_len);
		}
		inv_str_copy(k, key, sizeof(key));
		for (int i = 0; keys[i] != NULL; i++) {
			char lower[64];
			size_t j;

			if (strcmp(key, keys[i]) != 0)
				continue;
			for (j = 0; key[j] != '\0' && j < sizeof(lower) - 1; j++)
				lower[j] = (char)(key[j] >= 'A' && key[j] <= 'Z' ?
				    key[j] - 'A' + 'a' : key[j]);
			lower[j] = '\0';
			json_object_set_new(o, lower, inv_json_str(val, o_len));
		}
	}
	inv_bad_flush(&bad, errors, source);
	id = json_object_get(o, "id");
	like = json_object_get(o, "id_like");
	family = os_family(json_string_value(id), json_string_value(like),
	    json_string_value(json_object_get(o, "name")));
	json_object_set_new(o, "family", json_string(family));
	return o;
}

/* "key\t: value" → key and value; 0 when the line has no colon. */
static int
colon_split(struct inv_str line, struct inv_str *k, struct inv_str *v)
{
	size_t i;

	for (i = 0; i < line.len && line.p[i] != ':'; i++)
		;
	if (i == line.len)
		return 0;
	k->p = line.p;
	k->len = i;
	*k = inv_trim(*k);
	v->p = line.p + i + 1;
	v->len = line.len - i - 1;
	*v = inv_trim(*v);
	return 1;
}

/*
 * ARM (Kunpeng, Phytium) cpuinfo has no model name, only the MIDR fields
 * "CPU implementer" and "CPU part": the processors an office meets are
 * named, any other is shown by its numbers.
 */
static void
arm_model(uint64_t impl, uint64_t part, char *out, size_t outlen)
{
	static const struct { uint64_t impl, part; const char *name; } known[] = {
		{ 0x48, 0xd01, "HiSilicon Kunpeng-920 (TSV110)" },
		{ 0x70, 0x660, "Phytium FTC660 (FT-1500A)" },
		{ 0x70, 0x661, "Phytium FTC661 (FT-2000A)" },
		{ 0x70, 0x662, "Phytium FTC662 (FT-2000+/64)" },
		{ 0x70, 0x663, "Phytium FTC663 (FT-2000/4, D2000)" },
		{ 0x41, 0xd08, "ARM Cortex-A72" },
		{ 0x41, 0xd0c, "ARM Neoverse-N1" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].impl == impl && known[i].part == part) {
			snprintf(out, outlen, "%s", known[i].name);
			return;
		}
	snprintf(out, outlen, "ARM implementer 0x%02llx part 0x%03llx",
	    (unsigned long long)impl, (unsigned long long)part);
}

/*
 * /proc/cpuinfo: one block per logical CPU.  x86 names the model in
 * "model name" and topology in "physical id"/"core id"; ARM (Kylin on
 * Phytium/Kunpeng) has no model name but "CPU implementer"/"CPU part"
 * (arm_model) or a "Hardware" line; then cores = threads.  Sockets × cores are counted from distinct
 * (physical id, core id) pairs, bounded to 4096 pairs.
 */
json_t *
inv_parse_cpuinfo(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *o = json_object();
	struct rbuf b;
	struct inv_str line, k, v;
	char model[256] = "";
	uint64_t threads = 0, phys = 0, core = 0;
	uint64_t pairs[4096];	/* 32 KiB on the stack */
	size_t npairs = 0;
	uint64_t sockets_seen[256];
	size_t nsock = 0;
	int have_phys = 0, have_core = 0;
	uint64_t impl = 0, part = 0;
	int have_impl = 0, have_part = 0;

	if (o == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	for (;;) {
		int more = inv_line_next(&b, &line);

		if (!more || inv_trim(line).len == 0) {
			/* End of one processor block. */
			if (have_phys && have_core && npairs < 4096) {
				uint64_t key = (phys << 32) | (core & 0xffffffffu);
				size_t i;

				for (i = 0; i < npairs && pairs[i] != key; i++)
					;
				if (i == npairs)
					pairs[npairs++] = key;
				for (i = 0; i < nsock && sockets_seen[i] != phys; i++)
					;
				if (i == nsock && nsock < 256)
					sockets_seen[nsock++] = phys;
			}
			have_phys = have_core = 0;
			if (!more)
				break;
			continue;
		}
		if (!colon_split(line, &k, &v))
			continue;
		if (inv_str_eq(k, "processor"))
			threads++;
		else if (inv_str_eq(k, "model name") && model[0] == '\0')
			inv_str_copy(v, model, sizeof(model));
		else if ((inv_str_eq(k, "Hardware") || inv_str_eq(k, "cpu model") ||
		    inv_str_eq(k, "Model")) && model[0] == '\0')
			inv_str_copy(v, model, sizeof(model));
		else if (inv_str_eq(k, "CPU implementer") && !have_impl)
			have_impl = inv_str_prefix(v, "0x") &&
			    inv_str_hex64((struct inv_str){ v.p + 2, v.len - 2 }, &impl) == 0;
		else if (inv_str_eq(k, "CPU part") && !have_part)
			have_part = inv_str_prefix(v, "0x") &&
			    inv_str_hex64((struct inv_str){ v.p + 2, v.len - 2 }, &part) == 0;
		else if (inv_str_eq(k, "physical id"))
			have_phys = inv_str_u64(v, &phys) == 0;
		else if (inv_str_eq(k, "core id"))
			have_core = inv_str_u64(v, &core) == 0;
	}
	if (threads == 0)
		inv_error(errors, source, "no \"processor\" lines found");
	if (model[0] == '\0' && have_impl && have_part)
		arm_model(impl, part, model, sizeof(model));
	json_object_set_new(o, "model", inv_json_cstr(model[0] ? model : "unknown"));
	json_object_set_new(o, "threads", json_integer((json_int_t)threads));
	json_object_set_new(o, "cores", json_integer((json_int_t)(npairs ? npairs : threads)));
	json_object_set_new(o, "sockets", json_integer((json_int_t)(nsock ? nsock : 1)));
	return o;
}

/* /proc/meminfo: "MemTotal:  16310044 kB". */
json_t *
inv_parse_meminfo(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	static const struct { const char *key, *out; } want[] = {
		{ "MemTotal", "total_bytes" },
		{ "SwapTotal", "swap_bytes" },
		{ "MemAvailable", "available_bytes" },
	};
	json_t *o = json_object();
	struct rbuf b;
	struct inv_str line, k, v, num, unit;

	if (o == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		uint64_t x;

		if (!colon_split(line, &k, &v))
			continue;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			if (!inv_str_eq(k, want[i].key))
				continue;
			if (!inv_field_next(&v, &num) || inv_str_u64(num, &x) == -1) {
				inv_error(errors, source, "%s: not a number", want[i].key);
				continue;
			}
			if (inv_field_next(&v, &unit) && inv_str_eq(unit, "kB")) {
				if (x > UINT64_MAX / 1024 / 2) {
					inv_error(errors, source, "%s: too large", want[i].key);
					continue;
				}
				x *= 1024;
			}
			if (x > (uint64_t)INT64_MAX)
				continue;
			json_object_set_new(o, want[i].out, json_integer((json_int_t)x));
		}
	}
	if (json_object_get(o, "total_bytes") == NULL)
		inv_error(errors, source, "no MemTotal line");
	return o;
}

int64_t
inv_parse_btime(const char *buf, size_t len)
{
	struct rbuf b;
	struct inv_str line, f;
	uint64_t x;

	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		if (!inv_field_next(&line, &f) || !inv_str_eq(f, "btime"))
			continue;
		if (inv_field_next(&line, &f) && inv_str_u64(f, &x) == 0 &&
		    x < (uint64_t)INT64_MAX / 1000)
			return (int64_t)x;
	}
	return -1;
}

/* fstab(5) octal escapes: "\040" is a space. */
static json_t *
unescape_octal(struct inv_str s)
{
	char out[4096];
	size_t o = 0;

	for (size_t i = 0; i < s.len && o < sizeof(out); i++) {
		if (s.p[i] == '\\' && s.len - i >= 4 &&
		    s.p[i + 1] >= '0' && s.p[i + 1] <= '3' &&
		    s.p[i + 2] >= '0' && s.p[i + 2] <= '7' &&
		    s.p[i + 3] >= '0' && s.p[i + 3] <= '7') {
			out[o++] = (char)(((s.p[i + 1] - '0') << 6) |
			    ((s.p[i + 2] - '0') << 3) | (s.p[i + 3] - '0'));
			i += 3;
			continue;
		}
		out[o++] = s.p[i];
	}
	return inv_json_str(out, o);
}

json_t *
inv_parse_mounts(const char *buf, size_t len, const char *source,
    json_t *errors)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, dev, mnt, type;
	struct inv_bad bad = { 0, 0, NULL };
	unsigned lineno = 0;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		json_t *m;

		lineno++;
		if (inv_trim(line).len == 0)
			continue;
		if (!inv_field_next(&line, &dev) || !inv_field_next(&line, &mnt) ||
		    !inv_field_next(&line, &type)) {
			inv_bad_note(&bad, lineno, "fewer than 3 fields");
			continue;
		}
		if (json_array_size(a) >= 4096)
			break;
		m = json_object();
		json_object_set_new(m, "device", unescape_octal(dev));
		json_object_set_new(m, "mount", unescape_octal(mnt));
		json_object_set_new(m, "type", inv_json_str(type.p, type.len));
		json_array_append_new(a, m);
	}
	inv_bad_flush(&bad, errors, source);
	return a;
}

json_t *
inv_parse_nodev(const char *buf, size_t len)
{
	json_t *a = json_array();
	struct rbuf b;
	struct inv_str line, f1, f2;

	if (a == NULL)
		return NULL;
	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		if (!inv_field_next(&line, &f1))
			continue;
		if (inv_str_eq(f1, "nodev") && inv_field_next(&line, &f2) &&
		    json_array_size(a) < 1024)
			json_array_append_new(a, inv_json_str(f2.p, f2.len));
	}
	return a;
}

json_t *
inv_parse_kv(const char *buf, size_t len, const char *key)
{
	struct rbuf b;
	struct inv_str line;
	size_t kl = strlen(key);
	json_t *val = NULL;

	rbuf_init(&b, buf, len);
	while (inv_line_next(&b, &line)) {
		struct inv_str t = inv_trim(line), v;

		if (t.len <= kl || memcmp(t.p, key, kl) != 0 || t.p[kl] != '=')
			continue;
		v.p = t.p + kl + 1;
		v.len = t.len - kl - 1;
		if (v.len >= 2 && (v.p[0] == '"' || v.p[0] == '\'') &&
		    v.p[v.len - 1] == v.p[0]) {
			v.p++;
			v.len -= 2;
		}
		json_decref(val);	/* the last assignment wins, as in sh */
		val = inv_json_str(v.p, v.len);
	}
	return val;
}
