/*
 * [packet]: the engine's own options (capture, memory, what detectors
 * share) here, then each registered detector's options table applied to
 * its own struct inside struct pkt_conf.  One section, one namespace:
 * tests/unit/test_detect.c checks that no two tables share a key.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "probes/packet/detector.h"

int
eng_valid_cidrs(const void *field, char *why, size_t whylen)
{
	struct cidrset	set;

	return cidrset_parse(field, &set, why, whylen);
}

static int
valid_types(const void *field, char *why, size_t whylen)
{
	const char	*cur = field;
	char		 item[64], all[512];
	size_t		 o = 0;
	int		 r;

	while ((r = conf_list_next(&cur, item, sizeof(item))) != 0) {
		if (r == 1 && pkt_type_id(item) >= 0)
			continue;
		all[0] = '\0';
		for (int t = 0; t < pkt_type_count() && o < sizeof(all); t++)
			o += (size_t)snprintf(all + o, sizeof(all) - o, "%s%s",
			    t ? ", " : "", pkt_type_name(t));
		snprintf(why, whylen, "'%s' is not a finding type (%s)",
		    r == -1 ? "(too long)" : item, all);
		return -1;
	}
	return 0;
}

#define O(f)	offsetof(struct pkt_conf, f)
#define S(f)	O(f), sizeof(((struct pkt_conf *)0)->f)
const struct conf_opt pkt_engine_opts[] = {
	{ "interfaces", CONF_STR, S(interfaces), 0, 0, "", NULL, NULL,
	  "interfaces to capture on, comma separated; empty: the probe is off" },
	{ "promisc", CONF_BOOL, O(promisc), 0, 0, 0, "yes", NULL, NULL,
	  "promiscuous mode" },
	{ "snaplen", CONF_INT, O(snaplen), 0, 64, 262144, "1600", NULL, NULL,
	  "bytes captured per packet (headers, DNS names, auth lines)" },
	{ "bpf", CONF_STR, S(bpf), 0, 0, "", NULL, NULL,
	  "capture filter (tcpdump syntax); empty: everything" },
	{ "immediate", CONF_BOOL, O(immediate), 0, 0, 0, "no", NULL, NULL,
	  "deliver each packet at once (more CPU) instead of in batches" },
	{ "buffer_size", CONF_SIZE, O(buffer_size), 0, 65536, 1LL << 30, "4M",
	  NULL, NULL, "kernel capture buffer per interface" },
	{ "memory_cap", CONF_SIZE, O(memory_cap), 0, 1LL << 20, 4LL << 30, "32M",
	  NULL, NULL, "all detector state together; oldest entries go first" },
	{ "home_net", CONF_STR, S(home_net_s), 0, 0,
	  "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10",
	  NULL, eng_valid_cidrs, "the office's own addresses" },
	{ "disable", CONF_STR, S(disable_s), 0, 0, "", NULL, valid_types,
	  "finding types not to report" },
	{ "realert", CONF_DURATION, O(realert_ms), 0, 1000, 86400000LL * 7, "10m",
	  NULL, NULL, "repeat a continuing finding at most this often" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

void *
pkt_conf_detector(struct pkt_conf *pc, int i)
{
	size_t	off = 0;

	for (int k = 0; k < i; k++)
		off += (detector_registry[k]->conf_size + 15) & ~(size_t)15;
	return pc->dconf + off;
}

void *
pkt_conf_field(struct pkt_conf *pc, const char *name)
{
	const struct conf_opt	*o;

	for (o = pkt_engine_opts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return (char *)pc + o->off;
	for (int i = 0; detector_registry[i] != NULL; i++)
		for (o = detector_registry[i]->options; o && o->name; o++)
			if (strcmp(o->name, name) == 0)
				return (char *)pkt_conf_detector(pc, i) + o->off;
	return NULL;
}

/*
 * Every table's options from c's [packet], or the defaults when c is
 * NULL, then the parsed forms.
 */
static int
pkt_conf_fill(struct conf *c, struct pkt_conf *pc, struct conf_err *err)
{
	const struct detector_ops	*d;
	char		 where[240], why[256], item[64];
	const char	*cur;
	int		 r, t, i;

	memset(pc, 0, sizeof(*pc));
	for (i = 0; detector_registry[i] != NULL; i++)
		;
	if ((char *)pkt_conf_detector(pc, i) > (char *)pc->dconf +
	    sizeof(pc->dconf)) {
		snprintf(err->msg, sizeof(err->msg), "the detectors' options "
		    "exceed PKT_DCONF_BYTES (probes/packet/engine.h)");
		return -1;
	}
	if ((c ? conf_apply(c, "packet", pkt_engine_opts, pc, err) :
	    conf_defaults(pkt_engine_opts, pc, err)) == -1)
		return -1;
	for (i = 0; (d = detector_registry[i]) != NULL; i++)
		if (d->options != NULL && (c ? conf_apply(c, "packet", d->options,
		    pkt_conf_detector(pc, i), err) : conf_defaults(d->options,
		    pkt_conf_detector(pc, i), err)) == -1)
			return -1;

	if (c != NULL)
		snprintf(where, sizeof(where), "%s:%d: [packet]", conf_path(c),
		    conf_section_line(c, "packet"));
	else
		snprintf(where, sizeof(where), "defaults");
	if (cidrset_parse(pc->home_net_s, &pc->home_net, why, sizeof(why)) == -1)
		goto bad;
	for (cur = pc->disable_s; (r = conf_list_next(&cur, item,
	    sizeof(item))) == 1; )
		if ((t = pkt_type_id(item)) >= 0)
			pc->disabled[t] = true;
	for (i = 0; (d = detector_registry[i]) != NULL; i++)
		if (d->conf_finish != NULL && d->conf_finish(
		    pkt_conf_detector(pc, i), why, sizeof(why)) == -1)
			goto bad;
	return 0;
bad:
	snprintf(err->msg, sizeof(err->msg), "%s: %s", where, why);
	return -1;
}

int
pkt_conf_defaults(struct pkt_conf *pc, struct conf_err *err)
{
	return pkt_conf_fill(NULL, pc, err);
}

int
pkt_conf_load(struct conf *c, struct pkt_conf *pc, struct conf_err *err)
{
	if (pkt_conf_fill(c, pc, err) == -1)
		return -1;
	pc->enabled = conf_has_section(c, "packet") && pc->interfaces[0] != '\0';
	return 0;
}
