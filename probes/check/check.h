/*
 * Active checks of configured targets ([target NAME] sections): port
 * checks (availability and exposure), the TLS assessment, a UDP DNS
 * check, and the availability sample every run.
 */
#ifndef SHAOBING_CHECK_H
#define SHAOBING_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct icmp_host;

#include "common/conf.h"
#include "probes/check/finding.h"
#include "probes/check/snmp.h"
#include "probes/check/url.h"
#include "probes/probe.h"

/* Ports that should not answer on a public server unless meant to. */
#define CHECK_RISKY_PORTS \
	"21,23,135,139,445,1433,1521,2375,3306,3389,5432,5900,6379,9200,11211,27017"

struct check_target {
	char		name[64];
	/* options ([target NAME]) */
	char		url[640];
	char		host[CHECK_HOST_MAX];
	char		open[512];
	char		closed[512];
	char		servername[CHECK_HOST_MAX];
	char		ca[512];
	char		dns_name[256];
	int64_t		interval_ms;
	int64_t		timeout_ms;
	int64_t		banner_ms;
	int		concurrency;
	int		warn_days;
	int		crit_days;
	int		http_port;
	bool		website;
	/* agentless equipment (icmp://, snmp://) */
	int		kind;		/* enum check_kind */
	char		schedule[32];
	char		community[64];
	int		snmp_version;	/* 0: 2c, 1: 3 */
	char		snmp_user[64];
	int		snmp_auth;	/* enum snmp_auth */
	char		snmp_auth_pass[128];
	int		snmp_priv;	/* enum snmp_priv */
	char		snmp_priv_pass[128];
	int		ping_count;
	int64_t		ping_interval_ms;
	double		loss_max;	/* percent: up when loss is below */
	bool		cli;		/* --check: no baseline, report as findings */
	/* derived */
	bool		has_url;
	struct check_url u;
	uint16_t	open_ports[CHECK_PORTS_MAX];
	size_t		nopen;
	uint16_t	closed_ports[CHECK_PORTS_MAX];
	size_t		nclosed;
	int64_t		next_due;	/* monotonic ms */
	struct check_device_state *dev;	/* daemon: what the last run saw */
	struct icmp_host *pinged;	/* check_run_devices: echoes already done */
};

enum check_kind {
	KIND_NONE = 0, KIND_PC, KIND_PRINTER, KIND_SWITCH, KIND_ROUTER,
	KIND_UPS, KIND_CAMERA, KIND_OTHER,
};
const char *check_kind_name(int kind);

/* Is t a device watched by ICMP or SNMP? */
bool	check_is_device(const struct check_target *t);

struct icmp_host;

struct check_result {
	json_t		*report;	/* the whole run, JSON */
	struct findings	 f;
	bool		 ran;		/* false: could not run at all */
	bool		 up;
	int64_t		 latency_ms;
	char		 reason[256];	/* why down / why not run */
	struct snmp_dev	*snmp;		/* snmp:// that answered, else NULL */
};

/* The [target] option table (also used by the conf test). */
extern const struct conf_opt check_target_opts[];

/*
 * Read [target NAME] into t (defaults first) and derive the port lists.
 * -1 with err "FILE:LINE: ..." on a bad value or a target with nothing
 * to check.
 */
int	check_target_load(struct conf *c, const char *name, const char *section,
	    int line, struct check_target *t, struct conf_err *err);
/* A target from the command line (URL + options); -1 with why. */
int	check_target_finish(struct check_target *t, const char *path, int line,
	    char *why, size_t whylen);

/* Run every check of t.  r is filled; free with check_result_free(). */
void	check_run(const struct check_target *t, struct check_result *r);
void	check_result_free(struct check_result *r);

/* Emit r as events: one per finding, the availability sample, the report. */
void	check_emit(const struct check_target *t, const struct check_result *r,
	    struct emitter *em);

/* Devices (probes/check/device.c). */
struct sockaddr_storage;
int	check_device_finish(struct check_target *t, const char *path,
	    int line, char *why, size_t whylen);
void	check_device_run(const struct check_target *t,
	    const struct sockaddr_storage *ss, struct check_result *r);
/* The daemon's transitions: device_down/up, device_rebooted, if_down/up. */
void	check_device_emit(struct check_target *t, const struct check_result *r,
	    struct emitter *em);
void	check_device_state_free(struct check_device_state *s);
/*
 * Check n devices at once: their ICMP echoes from one socket, then
 * `concurrency` threads for the SNMP queries.  r[i] is t[i]'s result.
 */
#define CHECK_DEVICE_CONCURRENCY	32
void	check_run_devices(struct check_target **t, size_t n,
	    struct check_result *r, size_t concurrency);
/* The data of the availability event (new object). */
json_t	*check_availability_data(const struct check_target *t,
	    const struct check_result *r);

/* The probe (probes/registry.c) and the offline command (agent/main.c). */
extern const struct probe_ops check_probe;
int	check_main(int argc, char **argv);
int	discover_main(int argc, char **argv);	/* --discover (discover.c) */

#endif
