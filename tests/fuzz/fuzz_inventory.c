/*
 * Every inventory text parser on arbitrary bytes.  The first byte picks
 * the parser, the rest is the file.
 */
#include <stddef.h>
#include <stdint.h>

#include "probes/inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data + 1;
	size_t len;
	json_t *err, *v = NULL, *cfg;

	if (size < 1)
		return 0;
	err = json_array();
	len = size - 1;
	switch (data[0] % 18) {
	case 0: v = inv_parse_os_release(buf, len, "f", err); break;
	case 1: v = inv_parse_cpuinfo(buf, len, "f", err); break;
	case 2: v = inv_parse_meminfo(buf, len, "f", err); break;
	case 3: (void)inv_parse_btime(buf, len); break;
	case 4: v = inv_parse_dpkg_status(buf, len, "f", 50, err); break;
	case 5: v = inv_parse_proc_net(buf, len, "tcp", "f", err); break;
	case 6: v = inv_parse_proc_net(buf, len, "udp6", "f", err); break;
	case 7: v = inv_parse_arp(buf, len, "f", err); break;
	case 8: v = inv_parse_route(buf, len, "f", err); break;
	case 9: v = inv_parse_ipv6_route(buf, len, "f", err); break;
	case 10: v = inv_parse_if_inet6(buf, len, "f", err); break;
	case 11: v = inv_parse_resolv(buf, len, "f", err); break;
	case 12: v = inv_parse_passwd(buf, len, "f", err); break;
	case 13: v = inv_parse_group(buf, len, "f", err); break;
	case 14: v = inv_parse_shadow_empty(buf, len, "f", err); break;
	case 15: v = inv_parse_mounts(buf, len, "f", err); json_decref(v);
		 v = inv_parse_nodev(buf, len); break;
	case 16: cfg = json_object();
		 inv_parse_sshd_config(buf, len, cfg, NULL, NULL);
		 inv_parse_apt_conf(buf, len, cfg);
		 json_decref(cfg); break;
	case 17: v = inv_parse_kv(buf, len, "ENABLED"); break;
	}
	json_decref(v);
	json_decref(err);
	return 0;
}
