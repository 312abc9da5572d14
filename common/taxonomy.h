/*
 * The incident taxonomy of GB/T 20986-2023, in one place: levels,
 * incident statuses, categories, and every event/finding type the agent
 * and the collector know.  Everything that names, parses, orders or maps
 * one of these (the incident engine, notifications, the admin API, the
 * console, CSV and the HTML report) reads it from here.
 *
 * To add an event type: one TAX_TYPES row below (what opens an incident,
 * in which category, at which level).  To add a category: one row of
 * tax_categories[] in taxonomy.c.
 */
#ifndef SHAOBING_TAXONOMY_H
#define SHAOBING_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/event.h"

/*
 * Levels, numbered as stored (incidents.level) and as the standard counts
 * them: 1 = I 特别重大 (most severe) .. 4 = IV 一般.  "More severe" is a
 * smaller number; 0 is "no level".
 */
enum tax_level {
	TAX_LEVEL_NONE = 0,
	TAX_LEVEL_I,		/* 特别重大 */
	TAX_LEVEL_II,		/* 重大 */
	TAX_LEVEL_III,		/* 较大 */
	TAX_LEVEL_IV,		/* 一般 */
};
#define TAX_LEVEL_COUNT	5	/* with NONE */

/* "I".."IV"; "?" for anything else. */
const char	*tax_level_code(int level);
/* "特别重大".."一般"; "?" for anything else. */
const char	*tax_level_zh(int level);
/* "I".."IV" or "特别重大".."一般" → 1..4; 0 for anything else. */
int		 tax_level_parse(const char *s);
/* Is level at least as severe as min (both 1..4)?  Never for NONE. */
bool		 tax_level_at_least(int level, int min);

/* Incident statuses, stored by name (incidents.status). */
enum tax_status {
	TAX_STATUS_OPEN = 0,
	TAX_STATUS_ACKNOWLEDGED,
	TAX_STATUS_RESOLVED,
	TAX_STATUS_FALSE_POSITIVE,
};
#define TAX_STATUS_COUNT	4

/* "open", "acknowledged", "resolved", "false_positive"; "?" otherwise. */
const char	*tax_status_name(int st);
/* "待处理" ...; "" otherwise. */
const char	*tax_status_zh(int st);
/* "open", ..., "false positive"; "" otherwise. */
const char	*tax_status_en(int st);
/* Name → status; -1 for anything else (NULL included). */
int		 tax_status_parse(const char *s);
/* Open or acknowledged: a person still has to act. */
bool		 tax_status_active(int st);

/* Categories (the top level of GB/T 20986-2023). */
struct tax_category {
	const char	*code;		/* "NA" */
	const char	*zh;		/* "网络攻击" */
	const char	*en;		/* "network attack" */
};
extern const struct tax_category	tax_categories[];
extern const size_t			tax_ncategories;

/* By exact code ("NA"); NULL when unknown. */
const struct tax_category *tax_category_find(const char *code);
/*
 * By a category or subcategory code ("NASCAN" → NA, "SHEVULN" → SHE);
 * 其他 OT when nothing matches.  Never NULL.
 */
const struct tax_category *tax_category_of(const char *code);

/*
 * Event and finding types.  X(name, category, subcategory, min severity,
 * fixed level, auto resolve, needs data.matters, opens incidents,
 * 中文, English).  A name ending in '*' is a prefix.  A fixed level of
 * TAX_LEVEL_NONE means "from the event's severity" ([incidents]
 * level_*).  Types that open no incident carry category "" (they are
 * facts, not findings).
 */
#define TAX_TYPES(X) \
	/* Packet detectors (probes/packet). */ \
	X(port_scan, "NA", "NASCAN", SEV_LOW, 0, false, false, true, "端口扫描", "port scan") \
	X(address_scan, "NA", "NASCAN", SEV_LOW, 0, false, false, true, "地址扫描", "address scan") \
	X(ping_sweep, "NA", "NASCAN", SEV_LOW, 0, false, false, true, "Ping 扫描", "ping sweep") \
	X(syn_flood, "NA", "NADOS", SEV_LOW, 0, false, false, true, "SYN 洪泛攻击", "SYN flood") \
	X(icmp_flood, "NA", "NADOS", SEV_LOW, 0, false, false, true, "ICMP 洪泛攻击", "ICMP flood") \
	X(udp_flood, "NA", "NADOS", SEV_LOW, 0, false, false, true, "UDP 洪泛攻击", "UDP flood") \
	/* Level by severity: a changed gateway MAC is critical → III. */ \
	X(arp_spoof, "NA", "", SEV_LOW, 0, false, false, true, "ARP 欺骗", "ARP spoofing") \
	X(dns_tunnel, "DS", "", SEV_LOW, 0, false, false, true, "DNS 隧道", "DNS tunnel (possible data exfiltration)") \
	X(nxdomain_storm, "AB", "", SEV_LOW, 0, false, false, true, "域名解析异常", "NXDOMAIN storm") \
	X(cleartext_auth, "SHE", "", SEV_LOW, 0, false, false, true, "明文口令", "cleartext authentication") \
	X(blocklist, "NA", "", SEV_LOW, 0, false, false, true, "访问恶意地址", "blocklisted address") \
	X(new_device, "AB", "", SEV_LOW, 0, false, false, true, "新设备接入", "new device on the LAN") \
	/* Active checks (probes/check): TLS and ports. */ \
	/* cert_* closes by itself when a later check of the endpoint no \
	   longer finds it (certificate renewed; collector/incident.c). */ \
	X(cert_*, "SHE", "SHEVULN", SEV_LOW, 0, true, false, true, "证书问题", "certificate problem") \
	X(tls10_accepted, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "接受过时 TLS 版本", "old TLS version accepted") \
	X(tls11_accepted, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "接受过时 TLS 版本", "old TLS version accepted") \
	X(weak_*, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "弱加密配置", "weak cryptography") \
	X(hostname_mismatch, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "证书域名不符", "certificate name mismatch") \
	X(chain_incomplete, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "证书链不完整", "incomplete certificate chain") \
	X(no_hsts, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "未启用 HSTS", "no HSTS") \
	X(hsts_short, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "HSTS 期限过短", "short HSTS") \
	X(no_https_redirect, "SHE", "SHEVULN", SEV_LOW, 0, false, false, true, "未跳转 HTTPS", "no HTTPS redirect") \
	X(tls_failed, "SHE", "", SEV_LOW, 0, false, false, true, "TLS 握手失败", "TLS handshake failed") \
	X(starttls_unavailable, "SHE", "", SEV_LOW, 0, false, false, true, "STARTTLS 不可用", "STARTTLS unavailable") \
	X(port_exposed, "SHE", "", SEV_LOW, 0, false, false, true, "端口暴露", "exposed port") \
	X(port_down, "DE", "", SEV_LOW, 0, false, false, true, "服务端口不可用", "service port down") \
	X(http_error, "DE", "", SEV_LOW, 0, false, false, true, "网站返回错误", "website HTTP error") \
	/* Website integrity (probes/web, probes/fim): 网页篡改 and its kin. */ \
	X(web_defaced, "NA", "", SEV_LOW, 0, false, false, true, "网页篡改", "web page defaced") \
	X(web_hidden_link, "NA", "", SEV_LOW, 0, false, false, true, "网页暗链", "hidden link planted in a page") \
	X(web_injected_script, "NA", "", SEV_LOW, 0, false, false, true, "网页被注入脚本", "script injected into a page") \
	X(web_redirect, "NA", "", SEV_LOW, 0, false, false, true, "网页恶意跳转", "page redirects off the site") \
	X(web_sensitive_word, "IC", "", SEV_LOW, 0, false, false, true, "网页出现敏感词", "sensitive words on the website") \
	X(webshell_suspect, "MP", "", SEV_LOW, 0, false, false, true, "网站后门", "web shell in the web root") \
	/* Collector-made equipment faults. */ \
	X(host_down, "DE", "", SEV_INFO, TAX_LEVEL_IV, true, false, true, "设备故障：主机离线", "equipment fault: host down") \
	X(website_down, "DE", "", SEV_INFO, TAX_LEVEL_IV, true, false, true, "设备故障：网站不可用", "equipment fault: website down") \
	X(collector_cert_expiring, "SHE", "", SEV_INFO, TAX_LEVEL_IV, false, false, true, "采集中心证书即将过期", "collector certificate expiring") \
	/* Agentless equipment (probes/check/device.c): faults, never security \
	   incidents.  device_down opens only inside the device's schedule; \
	   device_up / if_up resolve (device_back()). */ \
	X(device_down, "DE", "", SEV_LOW, TAX_LEVEL_IV, true, false, true, "设备故障：设备离线", "equipment fault: device down") \
	X(device_rebooted, "DE", "", SEV_LOW, TAX_LEVEL_IV, false, false, true, "设备重启", "device restarted") \
	X(if_down, "DE", "", SEV_LOW, TAX_LEVEL_IV, true, false, true, "设备故障：接口中断", "equipment fault: interface down") \
	X(printer_alert, "DE", "", SEV_LOW, TAX_LEVEL_IV, false, false, true, "打印机告警", "printer alert") \
	X(ups_on_battery, "DE", "", SEV_LOW, TAX_LEVEL_IV, false, false, true, "UPS 电池供电", "UPS on battery") \
	/* The agent's spool overflowed: data lost, a low equipment fault. */ \
	X(spool_dropped, "DE", "", SEV_INFO, TAX_LEVEL_IV, false, false, true, "采集数据丢失", "agent spool dropped events") \
	/* The agent's spool file was damaged: moved aside, salvaged; the \
	   agent shows "degraded" while the incident is active. */ \
	X(spool_corrupt, "DE", "", SEV_INFO, TAX_LEVEL_IV, false, false, true, "客户端缓存损坏", "agent spool damaged") \
	/* The collector could not store one of the agent's events: it is in \
	   the agent's dead letters (shaobing-agent --rejected); a bug to \
	   report, so level III. */ \
	X(spool_rejected, "DE", "", SEV_INFO, TAX_LEVEL_III, false, false, true, "事件被采集端拒收", "event rejected by collector") \
	/* Inventory changes (common/inventory_diff.h) that matter. */ \
	X(admin_added, "RO", "", SEV_LOW, 0, false, true, true, "新增管理员账户", "new administrator account") \
	X(empty_password, "SHE", "", SEV_LOW, 0, false, true, true, "空口令账户", "account without password") \
	X(port_opened, "SHE", "", SEV_LOW, 0, false, true, true, "服务器新开端口", "new listening port on a server") \
	X(firewall_disabled, "SHE", "", SEV_LOW, 0, false, true, true, "防火墙被关闭", "firewall disabled") \
	X(ssh_root_login, "SHE", "", SEV_LOW, 0, false, true, true, "允许 root 远程登录", "SSH root login allowed") \
	/* Facts the agent reports; they open nothing. */ \
	X(system, "", "", SEV_INFO, 0, false, false, false, "系统状态", "system status") \
	X(inventory, "", "", SEV_INFO, 0, false, false, false, "资产清单", "inventory") \
	X(inventory_unchanged, "", "", SEV_INFO, 0, false, false, false, "资产清单未变", "inventory unchanged") \
	X(availability, "", "", SEV_INFO, 0, false, false, false, "可用性检测", "availability sample") \
	X(tls_report, "", "", SEV_INFO, 0, false, false, false, "TLS 检测报告", "TLS report") \
	X(device_up, "", "", SEV_INFO, 0, false, false, false, "设备恢复", "device up") \
	X(if_up, "", "", SEV_INFO, 0, false, false, false, "接口恢复", "interface up") \
	X(web_baseline, "", "", SEV_INFO, 0, false, false, false, "网页基线已建立", "page baseline taken")

struct tax_type {
	const char	*name;		/* "port_scan", or a prefix "cert_*" */
	const char	*category;	/* "NA"; "" for facts */
	const char	*subcategory;	/* "NASCAN" or "" */
	int		 min_severity;	/* enum severity: below opens nothing */
	int		 level;		/* TAX_LEVEL_NONE: from severity */
	bool		 auto_resolve;	/* closes when the thing is back */
	bool		 need_matters;	/* only with data.matters = true */
	bool		 opens_incident;
	const char	*zh, *en;	/* labels */
};
extern const struct tax_type	tax_types[];
extern const size_t		tax_ntypes;

/* Does pattern ("port_scan", "cert_*") cover type? */
bool		 tax_type_matches(const char *pattern, const char *type);
/* The row that covers type (exact names before prefixes); NULL if none. */
const struct tax_type *tax_type_find(const char *type);
/* "端口扫描 port scan" into buf (the incident title). */
void		 tax_type_title(const struct tax_type *t, char *buf,
		    size_t len);

#endif
