/*
 * SNMP queries of a device through net-snmp (only this file includes its
 * headers): v2c with a community, or SNMPv3 USM (auth SHA or SHA-256,
 * priv AES-128).  What is asked (where the device answers it):
 *   SNMPv2-MIB   sysDescr, sysObjectID, sysUpTime, sysName
 *   IF-MIB       ifDescr/ifName, ifAdminStatus, ifOperStatus, ifSpeed /
 *                ifHighSpeed, ifInErrors, ifOutErrors
 *   HOST-RESOURCES-MIB  hrDeviceDescr, hrDeviceStatus, hrPrinterStatus
 *   Printer-MIB  prtAlertTable (severity, group, code, description)
 *   UPS-MIB      upsBatteryStatus, upsSecondsOnBattery,
 *                upsEstimatedMinutesRemaining, upsOutputSource
 * net-snmp decodes the BER; we check each varbind's type and length
 * before taking its value.
 */
#ifndef SHAOBING_CHECK_SNMP_H
#define SHAOBING_CHECK_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum snmp_auth { SNMP_AUTH_NONE = 0, SNMP_AUTH_SHA, SNMP_AUTH_SHA256 };
enum snmp_priv { SNMP_PRIV_NONE = 0, SNMP_PRIV_AES };

struct snmp_opts {
	const char	*host;		/* name, IPv4 or IPv6 */
	uint16_t	 port;
	int		 version;	/* 2 (v2c) or 3 */
	const char	*community;
	const char	*user;
	int		 auth;		/* enum snmp_auth */
	const char	*auth_pass;
	int		 priv;		/* enum snmp_priv */
	const char	*priv_pass;
	int64_t		 timeout_ms;
	int		 retries;
	bool		 sys_only;	/* discovery: the system group only */
};

struct snmp_if {
	uint32_t	index;
	char		name[64];
	int		admin, oper;	/* 1 up, 2 down, 3 testing, ... */
	uint64_t	speed_bps;
	uint64_t	in_errors, out_errors;
};

struct snmp_hrdev {
	uint32_t	index;
	char		descr[96];
	int		status;		/* 1 unknown 2 running 3 warning 4 testing 5 down */
	int		printer;	/* hrPrinterStatus, 0 when not a printer */
};

struct snmp_alert {
	uint32_t	index;
	int		severity;	/* 1 other, 3 critical, 4 warning, 5 binary change */
	int		group;
	int		code;		/* PrtAlertCodeTC */
	char		descr[128];
};

struct snmp_dev {
	char		 sysname[128];
	char		 sysdescr[256];
	char		 sysobjectid[128];	/* dotted */
	uint32_t	 uptime_ticks;		/* 1/100 s */
	bool		 has_uptime;
	struct snmp_if	*ifs;
	size_t		 nifs;
	struct snmp_hrdev *hr;
	size_t		 nhr;
	struct snmp_alert *alerts;
	size_t		 nalerts;
	bool		 has_ups;
	int		 ups_battery;		/* 1 unknown 2 normal 3 low 4 depleted */
	int64_t		 ups_on_battery_s;
	int64_t		 ups_minutes_left;	/* -1 unknown */
	int		 ups_source;		/* 3 normal, 5 battery, ... */
	int64_t		 rtt_ms;		/* the first request */
	char		 why[256];		/* why it did not answer */
};

/*
 * Ask the device.  0 when it answered (d filled, free with
 * snmp_dev_free), -1 when not (d->why: timeout, authentication failure,
 * unknown user, ...).  Safe to call from several threads at once.
 */
int	snmp_query(const struct snmp_opts *o, struct snmp_dev *d);
void	snmp_dev_free(struct snmp_dev *d);

/* Vendor from a sysObjectID's enterprise number; NULL when unknown. */
const char *snmp_vendor(const char *sysobjectid);
/* Model: the first line of sysDescr, at most len-1 bytes. */
void	snmp_model(const char *sysdescr, char *out, size_t len);
/* Names of the status codes, for reports. */
const char *snmp_ifstatus_name(int v);
const char *snmp_hrstatus_name(int v);
const char *snmp_printer_status_name(int v);
const char *snmp_alert_code_name(int code);
const char *snmp_ups_battery_name(int v);

/* The whole answer as JSON (system, interfaces, devices, alerts, ups). */
json_t	*snmp_dev_json(const struct snmp_dev *d);

#endif
