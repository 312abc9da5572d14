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
#include <stdio.h>
#include <string.h>

#include "probes/packet/engine.h"

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

size_t	dev_entry_size(void);

size_t
dev_entry_size(void)
{
	return sizeof(struct dev_ent);
}

static bool
dev_seen(struct pkt_engine *e, int kind, const void *v, size_t n)
{
	struct dev_key	 k;
	struct dev_ent	*d;
	bool		 isnew;

	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	memcpy(k.v, v, n);
	d = pt_get(&e->dev, pt_hash(&k, sizeof(k)), &k, e->now, true, &isnew);
	if (d == NULL)
		return true;
	if (isnew)
		d->first_ms = e->now;
	return !isnew;
}

/*
 * The report, apart from newdev_packet() so that its buffers cost the
 * per-packet path nothing (every frame passes there; few are new).
 */
__attribute__((noinline)) static void
newdev_report(struct pkt_engine *e, const struct pkt *p, bool mac_new)
{
	char	 m[20], ip[48], key[96], vendor[128];
	json_t	*ev, *tg;

	mac_str(p->smac, m, sizeof(m));
	ev = json_object();
	json_object_set_new(ev, "mac", json_string(m));
	if (oui_vendor(e->c.oui_file, p->smac, vendor, sizeof(vendor)) != NULL)
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
	eng_report(e, FT_NEW_DEVICE, SEV_LOW, key, m, tg, e->now, e->now, 1, ev);
}

void
newdev_packet(struct pkt_engine *e, const struct pkt *p)
{
	bool	 mac_new = false, ip_new = false;

	unsigned slot = (p->smac[3] * 31u + p->smac[4] * 131u + p->smac[5]) & 1023;

	if (p->smac[0] & 1)
		return;				/* group address */
	if (memcmp(p->smac, e->mac_cache[slot].mac, 6) == 0 &&
	    e->now - e->mac_cache[slot].at < 60000) {
		if (p->l3 != PKT_L3_ARP)
			return;
	} else {
		memcpy(e->mac_cache[slot].mac, p->smac, 6);
		e->mac_cache[slot].at = e->now;
		if (memcmp(p->smac, "\0\0\0\0\0\0", 6) != 0)
			mac_new = !dev_seen(e, 1, p->smac, 6);
	}
	if (p->l3 == PKT_L3_ARP && !paddr_is_zero(&p->arp_spa) &&
	    eng_home(e, &p->arp_spa))
		ip_new = !dev_seen(e, 2, &p->arp_spa, 16);
	if ((!mac_new && !ip_new) || e->now < e->learn_end_ms ||
	    e->c.disabled[FT_NEW_DEVICE])
		return;
	if (p->l3 == PKT_L3_ARP && cidrset_match(&e->c.newdev_allow, &p->arp_spa))
		return;
	newdev_report(e, p, mac_new);
}

/*
 * IEEE's oui.txt lines read "00-22-72   (hex)\t\tAmerican Micro-Fuel ...".
 * Read on demand: a new device is rare after learning, and the table
 * then costs no memory.
 */
const char *
oui_vendor(const char *path, const uint8_t mac[6], char *buf, size_t len)
{
	FILE		*f;
	char		 line[256], want[16];
	const char	*r = NULL;

	if (path == NULL || path[0] == '\0' || (f = fopen(path, "r")) == NULL)
		return NULL;
	snprintf(want, sizeof(want), "%02X-%02X-%02X", mac[0], mac[1], mac[2]);
	while (fgets(line, sizeof(line), f) != NULL) {
		char	*v, *end;

		if (strncmp(line, want, 8) != 0 || strstr(line, "(hex)") == NULL)
			continue;
		v = strstr(line, "(hex)") + 5;
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strcspn(v, "\r\n");
		*end = '\0';
		snprintf(buf, len, "%s", v);
		r = buf;
		break;
	}
	fclose(f);
	return r;
}
