/*
 * The packet-anomaly engine: configuration ([packet]), how findings leave
 * it, and the calls capture, the probe and --analyze make.
 *
 * One engine serves one agent (all interfaces) or one --analyze run.  It
 * is fed decoded packets in time order; time is packet time (UTC ms), so
 * offline analysis and live capture behave the same.  All state sits in
 * fixed tables sized at start from one memory cap (memory_cap).
 *
 * The detectors themselves are listed in probes/packet/detectors.c and
 * written against probes/packet/detector.h; the engine knows none of them
 * by name.
 */
#ifndef SHAOBING_PKT_ENGINE_H
#define SHAOBING_PKT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/event.h"
#include "probes/packet/pkt.h"
#include "probes/packet/table.h"

/* Limits on the registry (tests/unit/test_detect.c checks it fits). */
#define PKT_TYPES_MAX		32	/* finding types of all detectors */
#define PKT_DETECTORS_MAX	16
#define PKT_DCONF_BYTES		32768	/* all detectors' option structs */

/* Finding types, numbered in registry order (detectors.c). */
int		 pkt_type_count(void);
/* "port_scan", ... as printed in the type field; "unknown" out of range. */
const char	*pkt_type_name(int id);
/* The id of a type name, or -1. */
int		 pkt_type_id(const char *name);

struct pkt_conf {
	/* capture */
	char	interfaces[512];
	bool	promisc;
	int	snaplen;
	char	bpf[1024];
	bool	immediate;
	int64_t	buffer_size;
	/* what all detectors share */
	int64_t	memory_cap;
	char	home_net_s[1024];
	char	disable_s[512];
	int64_t	realert_ms;

	/* parsed from the strings above */
	struct cidrset	home_net;
	bool		disabled[PKT_TYPES_MAX];	/* by type id */
	bool		enabled;	/* [packet] present (live agent) */

	/* Each detector's own options (its conf_size bytes at the offset
	 * pkt_conf_detector() gives), so the whole stays one plain value. */
	_Alignas(16) unsigned char dconf[PKT_DCONF_BYTES];
};

/*
 * Read [packet] (defaults when absent) and check it: lists, the block list
 * file.  0, or -1 with err "FILE:LINE: ...".
 */
int	pkt_conf_load(struct conf *c, struct pkt_conf *pc, struct conf_err *err);
/* Defaults only (tests, --analyze without -c). */
int	pkt_conf_defaults(struct pkt_conf *pc, struct conf_err *err);
/* The option struct of registry row i inside pc. */
void	*pkt_conf_detector(struct pkt_conf *pc, int i);
/* The field of [packet] option `name` inside pc (engine's or a
 * detector's), or NULL: for tests. */
void	*pkt_conf_field(struct pkt_conf *pc, const char *name);
/* The engine's own [packet] options (capture, memory, home_net, ...). */
extern const struct conf_opt pkt_engine_opts[];

/* Where findings go: printed (--analyze) or emitted (agent).  data stolen. */
struct pkt_sink {
	void	(*report)(void *ctx, int64_t ts_ms, const char *type,
		    enum severity sev, const char *key, json_t *data);
	void	*ctx;
};

struct pkt_stats {
	uint64_t	packets, bytes;
	uint64_t	truncated, invalid, unsupported, fragments;
	uint64_t	findings[PKT_TYPES_MAX];	/* by type id */
	uint64_t	evictions;
	uint64_t	dropped_findings;	/* JSON allocation failures */
};

struct detector_ops;
struct pkt_engine;

/* One dispatch entry, built from a detector's det_hook (detector.h). */
struct eng_hook {
	void		(*fn)(struct pkt_engine *e, void *self,
			    const struct pkt *p);
	void		*self;
	uint16_t	 port;
	uint8_t		 tcp_mask, tcp_want;
	uint8_t		 filt;		/* which of the above apply */
};

#define PKT_STAGES	6	/* enum det_stage (detector.h) */
#define PKT_HOOKS_MAX	16	/* per stage */

struct pkt_engine {
	struct pkt_conf		 c;
	struct pkt_sink		 sink;
	struct pkt_stats	 st;

	struct ptab		 once;		/* (type, a, b) -> reported at */
	int64_t			 now, first_ms, tick_ms;
	bool			 started;

	/* Detectors in registry order; self is NULL for one that is off
	 * (nothing configured for it, or all its types disabled). */
	struct {
		const struct detector_ops *ops;
		void		*self;
	}			 det[PKT_DETECTORS_MAX];
	int			 ndet;
	/* Per decoded protocol, the hooks that want it (NULL-terminated),
	 * built once in pkt_engine_new(): [0] for every packet, [1] for the
	 * agent's own checks (without the hooks that skip them). */
	struct eng_hook		 hooks[2][PKT_STAGES][PKT_HOOKS_MAX + 1];
};

/* NULL with err on allocation failure (the cap is too large). */
struct pkt_engine *pkt_engine_new(const struct pkt_conf *pc,
		    const struct pkt_sink *sink, char *err, size_t errlen);
void	pkt_engine_free(struct pkt_engine *e);
/* One captured frame. */
void	pkt_engine_frame(struct pkt_engine *e, int link, int64_t ts_ms,
	    const uint8_t *data, size_t caplen, size_t wirelen);
/* One decoded packet (tests feed these directly). */
void	pkt_engine_packet(struct pkt_engine *e, const struct pkt *p);
/* Judge what waited for an answer; final: the capture ended. */
void	pkt_engine_flush(struct pkt_engine *e, int64_t now_ms, bool final);
/* Bytes of table memory allocated (always <= memory_cap). */
size_t	pkt_engine_bytes(const struct pkt_engine *e);

#endif
