/*
 * The human report of an inventory snapshot (probes/inventory's JSON):
 * Chinese labels, English beside, times local.  Printed by
 * `shaobing-agent --inventory` and `shaobing assets show`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory_print.h"
#include "common/text.h"
#include "common/timeutil.h"

static const char *
s_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	/* Text an agent reported reaches a terminal: the one sanitiser. */
	return s ? text_term(s) : dflt;
}

static void
human_bytes(json_int_t b, char *out, size_t outlen)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(out, outlen, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static void
local_time(const char *utc, char *out, size_t outlen)
{
	int64_t ms;

	if (utc == NULL || time_parse_utc(utc, &ms) == -1 ||
	    time_format_local(ms, out, outlen) == -1)
		snprintf(out, outlen, "%s", utc ? utc : "-");
}

static void
print_list(FILE *f, const char *label, const json_t *a)
{
	size_t i;
	json_t *v;

	fprintf(f, "  %-28s ", label);
	if (json_array_size(a) == 0)
		fputs("-", f);
	json_array_foreach(a, i, v)
		fprintf(f, "%s%s", i ? ", " : "", text_term(json_string_value(v)));
	fputc('\n', f);
}

void
inventory_print(const json_t *snap, FILE *f)
{
	const json_t *host = json_object_get(snap, "host");
	const json_t *os = json_object_get(snap, "os");
	const json_t *hw = json_object_get(snap, "hardware");
	const json_t *dmi = json_object_get(hw, "dmi");
	const json_t *cpu = json_object_get(hw, "cpu");
	const json_t *mem = json_object_get(hw, "memory");
	const json_t *net = json_object_get(snap, "network");
	const json_t *vol = json_object_get(snap, "volatile");
	const json_t *pos = json_object_get(snap, "posture");
	const json_t *users = json_object_get(snap, "users");
	const json_t *pk = json_object_get(snap, "packages");
	const json_t *v;
	char b1[64], b2[64];
	size_t i;

	local_time(s_or(snap, "collected_at", NULL), b1, sizeof(b1));
	fprintf(f, "资产清单 Inventory  %s  (采集时间 collected %s)\n",
	    s_or(host, "hostname", "?"), b1);
	fprintf(f, "  %-28s %s\n", "快照哈希 snapshot hash", s_or(snap, "hash", "-"));

	fprintf(f, "\n主机 Host\n");
	fprintf(f, "  %-28s %s\n", "主机名 hostname", s_or(host, "hostname", "-"));
	fprintf(f, "  %-28s %s\n", "机器标识 machine-id", s_or(host, "machine_id", "-"));
	fprintf(f, "  %-28s %s\n", "操作系统 OS", s_or(os, "pretty_name", s_or(os, "name", "-")));
	fprintf(f, "  %-28s %s %s\n", "内核 kernel",
	    s_or(json_object_get(host, "kernel"), "release", "-"),
	    s_or(json_object_get(host, "kernel"), "arch", ""));
	local_time(s_or(vol, "boot_time", NULL), b1, sizeof(b1));
	fprintf(f, "  %-28s %s\n", "启动时间 boot time", b1);

	fprintf(f, "\n硬件 Hardware\n");
	fprintf(f, "  %-28s %s %s\n", "厂商型号 vendor/product",
	    s_or(dmi, "sys_vendor", "-"), s_or(dmi, "product_name", ""));
	fprintf(f, "  %-28s %s\n", "序列号 serial", s_or(dmi, "product_serial", "-"));
	fprintf(f, "  %-28s %s %s %s\n", "BIOS", s_or(dmi, "bios_vendor", "-"),
	    s_or(dmi, "bios_version", ""), s_or(dmi, "bios_date", ""));
	fprintf(f, "  %-28s %s (%lld 核 cores, %lld 线程 threads)\n", "处理器 CPU",
	    s_or(cpu, "model", "-"),
	    (long long)json_integer_value(json_object_get(cpu, "cores")),
	    (long long)json_integer_value(json_object_get(cpu, "threads")));
	human_bytes(json_integer_value(json_object_get(mem, "total_bytes")), b1, sizeof(b1));
	human_bytes(json_integer_value(json_object_get(mem, "swap_bytes")), b2, sizeof(b2));
	fprintf(f, "  %-28s %s (交换 swap %s)\n", "内存 memory", b1, b2);
	json_array_foreach(json_object_get(hw, "disks"), i, v) {
		human_bytes(json_integer_value(json_object_get(v, "size_bytes")), b1, sizeof(b1));
		fprintf(f, "  %-28s %s %s %s %s\n", i ? "" : "磁盘 disks",
		    s_or(v, "name", "?"), b1, s_or(v, "model", ""), s_or(v, "serial", ""));
	}

	fprintf(f, "\n文件系统 Filesystems\n");
	json_array_foreach(json_object_get(snap, "filesystems"), i, v) {
		const json_t *u, *use = NULL;
		size_t j;

		json_array_foreach(json_object_get(vol, "filesystems"), j, u)
			if (strcmp(s_or(u, "mount", ""), s_or(v, "mount", "")) == 0)
				use = u;
		human_bytes(json_integer_value(json_object_get(v, "size_bytes")), b1, sizeof(b1));
		human_bytes(json_integer_value(json_object_get(use, "used_bytes")), b2, sizeof(b2));
		fprintf(f, "  %-20s %-8s %-24s 容量 size %s, 已用 used %s\n",
		    s_or(v, "mount", "?"), s_or(v, "type", "?"), s_or(v, "device", "?"), b1, b2);
	}

	fprintf(f, "\n网络 Network\n");
	json_array_foreach(json_object_get(net, "interfaces"), i, v) {
		fprintf(f, "  %-12s %s\n", s_or(v, "name", "?"), s_or(v, "mac", "-"));
		print_list(f, "    IPv4", json_object_get(v, "ipv4"));
		print_list(f, "    IPv6", json_object_get(v, "ipv6"));
	}
	json_array_foreach(json_object_get(net, "gateways"), i, v)
		fprintf(f, "  %-28s %s (%s)\n", "网关 gateway", s_or(v, "gateway", "?"),
		    s_or(v, "dev", "?"));
	print_list(f, "域名服务器 DNS", json_object_get(net, "dns"));
	fprintf(f, "  %-28s %zu\n", "邻居 neighbours (ARP)",
	    json_array_size(json_object_get(vol, "neighbours")));
	json_array_foreach(json_object_get(vol, "neighbours"), i, v)
		fprintf(f, "    %-16s %s %s\n", s_or(v, "ip", "?"), s_or(v, "mac", "?"),
		    s_or(v, "dev", ""));

	fprintf(f, "\n监听端口 Listening sockets\n");
	json_array_foreach(json_object_get(snap, "listening"), i, v)
		fprintf(f, "  %-5s %-40s %5lld  %-16s %s\n", s_or(v, "proto", "?"),
		    s_or(v, "addr", "?"),
		    (long long)json_integer_value(json_object_get(v, "port")),
		    s_or(v, "process", "?"), s_or(v, "user", "?"));

	fprintf(f, "\n用户 Users\n");
	fprintf(f, "  %-28s %zu\n", "账户数 accounts",
	    json_array_size(json_object_get(users, "accounts")));
	{
		json_t *login = json_array(), *a;

		json_array_foreach(json_object_get(users, "accounts"), i, a)
			if (json_is_true(json_object_get(a, "login")))
				json_array_append(login, json_object_get(a, "name"));
		print_list(f, "可登录 login accounts", login);
		json_decref(login);
	}
	print_list(f, "管理员 admins", json_object_get(users, "admins"));

	fprintf(f, "\n软件包 Packages\n");
	fprintf(f, "  %-28s %lld (%s)\n", "已安装 installed",
	    (long long)json_integer_value(json_object_get(pk, "count")),
	    s_or(pk, "format", "?"));

	fprintf(f, "\n服务 Services\n");
	print_list(f, "运行中 running", json_object_get(json_object_get(snap, "services"), "running"));

	fprintf(f, "\n安全基线 Posture\n");
	{
		const json_t *fw = json_object_get(pos, "firewall");
		const json_t *au = json_object_get(pos, "auto_updates");
		const json_t *ssh = json_object_get(pos, "ssh");

		fprintf(f, "  %-28s %s\n", "防火墙 firewall",
		    json_is_true(json_object_get(fw, "active")) ? "启用 active" : "未启用 inactive");
		fprintf(f, "  %-28s %s\n", "自动更新 automatic updates",
		    json_is_true(json_object_get(au, "enabled")) ? "启用 enabled" : "未启用 disabled");
		if (json_is_true(json_object_get(ssh, "installed"))) {
			fprintf(f, "  %-28s %s\n", "SSH root 登录 root login",
			    s_or(ssh, "permit_root_login", "?"));
			fprintf(f, "  %-28s %s\n", "SSH 密码登录 password auth",
			    s_or(ssh, "password_authentication", "?"));
		} else
			fprintf(f, "  %-28s %s\n", "SSH", "未安装 not installed");
		print_list(f, "空密码账户 empty passwords",
		    json_object_get(pos, "empty_password_accounts"));
	}

	fprintf(f, "\n未能采集 Not collected (%zu)\n",
	    json_array_size(json_object_get(snap, "errors")));
	json_array_foreach(json_object_get(snap, "errors"), i, v)
		fprintf(f, "  %s: %s\n", s_or(v, "source", "?"), s_or(v, "error", "?"));
}
