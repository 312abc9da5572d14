/*
 * New devices (new_device): a MAC address, or an office IP address (seen
 * as an ARP sender), never seen before, once the learning period
 * (newdev_learning from the first packet) is over.  The vendor comes from
 * the IEEE OUI table when Debian's ieee-data is installed (oui_file).
 *
 * The per-packet cost is one compare in a direct-mapped cache of recent
 * source MACs (refreshed in the table once a minute); only a miss looks in
 * the table.  The table is fixed in size: when it is
 * full the least recently seen device is forgotten (and counted), and
 * would be reported again if it came back.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/oui.h"
#include "probes/packet/detector.h"

struct dev_key {
	uint8_t		kind;	/* 1 MAC, 2 IP */
	uint8_t		pad[3];
	uint8_t		v[16];
};
struct dev_ent {
	struct pt_hdr	hdr;
	struct dev_key	key;
	uint32_t	pad;
	int64_t		first_ms;
};

struct newdev_conf {
	int64_t		newdev_learning_ms;
	char		newdev_allow_s[1024];
	char		oui_file[256];
	struct cidrset	newdev_allow;
};

struct newdev_det {
	const struct newdev_conf *c;
	int			 type0;
	struct ptab		 dev;	/* MAC or IP -> first seen */
	/* Source MACs seen lately, so most frames skip the device table. */
	struct {
		uint8_t		mac[6];
		int64_t		at;
	}			 mac_cache[1024];
};

static const char *const newdev_types[] = { "new_device", NULL };

static bool
dev_seen(struct pkt_engine *e, struct newdev_det *d, int kind, const void *v,
    size_t n)
{
	struct dev_key	 k;
	struct dev_ent	*x;
	bool		 isnew;

	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	memcpy(k.v, v, n);
	x = pt_get(&d->dev, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (x == NULL)
		return true;
	if (isnew)
		x->first_ms = e->now;
	return !isnew;
}

/*
 * The report, apart from newdev_packet() so that its buffers cost the
 * per-packet path nothing (every frame passes there; few are new).
 */
__attribute__((noinline)) static void
newdev_report(struct pkt_engine *e, struct newdev_det *d, const struct pkt *p,
    bool mac_new)
{
	char	 m[20], ip[48], key[96], vendor[128];
	json_t	*ev, *tg;

	mac_str(p->smac, m, sizeof(m));
	ev = json_object();
	json_object_set_new(ev, "mac", json_string(m));
	if (oui_file_vendor(d->c->oui_file, p->smac, vendor,
	    sizeof(vendor)) != NULL)
		json_object_set_new(ev, "vendor", json_string(vendor));
	if (p->smac[0] & 2)
		json_object_set_new(ev, "locally_administered", json_true());
	tg = json_array();
	if (p->l3 == PKT_L3_ARP && !paddr_is_zero(&p->arp_spa)) {
		paddr_str(&p->arp_spa, ip, sizeof(ip));
		json_object_set_new(ev, "ip", json_string(ip));
		json_array_append_new(tg, json_string(ip));
	}
	if (p->vlan != 0)
		json_object_set_new(ev, "vlan", json_integer(p->vlan));
	json_object_set_new(ev, "what", json_string(mac_new ? "mac" : "ip"));
	if (mac_new)
		snprintf(key, sizeof(key), "new_device:%s", m);
	else
		snprintf(key, sizeof(key), "new_device:%s", ip);
	eng_report(e, d->type0, SEV_LOW, key, m, tg, e->now, e->now, 1, ev);
}

static void
newdev_packet(struct pkt_engine *e, void *self, const struct pkt *p)
{
	struct newdev_det *d = self;
	bool	 mac_new = false, ip_new = false;

	unsigned slot = (p->smac[3] * 31u + p->smac[4] * 131u + p->smac[5]) & 1023;

	if (p->smac[0] & 1)
		return;				/* group address */
	if (memcmp(p->smac, d->mac_cache[slot].mac, 6) == 0 &&
	    e->now - d->mac_cache[slot].at < 60000) {
		if (p->l3 != PKT_L3_ARP)
			return;
	} else {
		memcpy(d->mac_cache[slot].mac, p->smac, 6);
		d->mac_cache[slot].at = e->now;
		if (memcmp(p->smac, "\0\0\0\0\0\0", 6) != 0)
			mac_new = !dev_seen(e, d, 1, p->smac, 6);
	}
	if (p->l3 == PKT_L3_ARP && !paddr_is_zero(&p->arp_spa) &&
	    eng_home(e, &p->arp_spa))
		ip_new = !dev_seen(e, d, 2, &p->arp_spa, 16);
	if ((!mac_new && !ip_new) ||
	    e->now < e->first_ms + d->c->newdev_learning_ms)
		return;
	if (p->l3 == PKT_L3_ARP && cidrset_match(&d->c->newdev_allow, &p->arp_spa))
		return;
	newdev_report(e, d, p, mac_new);
}

/* ---- registration -------------------------------------------------------- */

static int
newdev_init(struct pkt_engine *e, void *self, const void *conf, int type0,
    char *err, size_t errlen)
{
	struct newdev_det	*d = self;

	(void)e; (void)err; (void)errlen;
	d->c = conf;
	d->type0 = type0;
	return 0;
}

static int
newdev_conf_finish(void *conf, char *why, size_t whylen)
{
	struct newdev_conf	*c = conf;

	return cidrset_parse(c->newdev_allow_s, &c->newdev_allow, why, whylen);
}

static const struct det_table newdev_tables[] = {
	{ "device", offsetof(struct newdev_det, dev), sizeof(struct dev_ent),
	  sizeof(struct dev_key), 0, 80, 86400000LL * 30, NULL },
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

#define O(f)	offsetof(struct newdev_conf, f)
#define S(f)	O(f), sizeof(((struct newdev_conf *)0)->f)
static const struct conf_opt newdev_opts[] = {
	{ "newdev_learning", CONF_DURATION, O(newdev_learning_ms), 0, 0,
	  86400000LL * 365, "1h", NULL, NULL,
	  "new_device: a MAC, or office IP, first seen after this "
	  "learning period" },
	{ "newdev_allow", CONF_STR, S(newdev_allow_s), 0, 0, "", NULL,
	  eng_valid_cidrs, "MACs/IPs never reported as new devices" },
	{ "oui_file", CONF_STR, S(oui_file), 0, 0, "/usr/share/ieee-data/oui.txt",
	  NULL, NULL,
	  "vendor names from Debian's ieee-data (empty: no vendor lookup)" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
#undef O
#undef S

static const struct det_hook newdev_hooks[] = {
	{ DET_MAC, 0, 0, 0, 0, newdev_packet },
	{ 0, 0, 0, 0, 0, NULL },
};

const struct detector_ops newdev_detector = {
	.name = "newdev",
	.types = newdev_types,
	.options = newdev_opts,
	.conf_size = sizeof(struct newdev_conf),
	.conf_finish = newdev_conf_finish,
	.tables = newdev_tables,
	.state_size = sizeof(struct newdev_det),
	.init = newdev_init,
	.packet = newdev_hooks,
};
