/*
 * What a packet detector is: one struct detector_ops, defined in its own
 * detect_NAME.c and listed once in detector_registry[] (detectors.c).
 *
 * A detector declares
 *  - types: the finding types it reports (NULL-terminated names; its
 *    first type's id is handed to init, the rest follow in order);
 *  - options: its [packet] keys, a conf_opt table with offsets into its
 *    own option struct of conf_size bytes, and conf_finish to turn the
 *    checked strings into parsed forms;
 *  - tables: its bounded tables (struct ptab inside its state), each with
 *    its entry size, key length and share of memory_cap, declared here
 *    only; the engine allocates, sizes, frees and counts them;
 *  - packet: which decoded packets it wants (struct det_hook: a protocol
 *    stage plus a port, TCP flag or payload filter), so the engine calls it
 *    only for those: a detector costs nothing on traffic it ignores;
 *  - flush: about once a second and at the end of a capture, to judge
 *    what waited (unanswered probes, quiet flood windows).
 * The engine calls the detectors in registry order within each stage.
 */
#ifndef SHAOBING_PKT_DETECTOR_H
#define SHAOBING_PKT_DETECTOR_H

#include "probes/packet/engine.h"

/* Decoded protocols, in the order the engine runs them for a packet. */
enum det_stage {
	DET_MAC = 0,	/* every frame with a source MAC (even undecoded) */
	DET_ARP,	/* ARP over Ethernet/IPv4 */
	DET_IP,		/* every IPv4/IPv6 packet, transport decoded or not */
	DET_TCP,
	DET_UDP,
	DET_ICMP,	/* ICMP and ICMPv6 */
};

#define DET_SKIP_OWN	0x01	/* not the agent's own checks (selfaddr.h) */
#define DET_PAYLOAD	0x02	/* only with transport payload */

struct det_hook {
	enum det_stage	 stage;
	uint8_t		 flags;		/* DET_* */
	uint16_t	 port;		/* source or destination port; 0: any */
	uint8_t		 tcp_mask, tcp_want; /* (tcp_flags & mask) == want */
	void		(*packet)(struct pkt_engine *e, void *self,
			    const struct pkt *p);
};

struct det_table {
	const char	*name;		/* "port scan", in messages */
	size_t		 off;		/* offsetof(state, the struct ptab) */
	size_t		 esize, klen;	/* entry (struct pt_hdr first), key */
	size_t		 zlen;		/* bytes cleared on insert; 0: all */
	unsigned	 permille;	/* share of memory_cap */
	int64_t		 ttl_ms;	/* entry lifetime, unless ttl is set */
	int64_t		(*ttl)(const struct pkt_conf *pc, const void *conf);
};

struct detector_ops {
	const char		*name;
	const char *const	*types;
	const struct conf_opt	*options;	/* NULL: none */
	size_t			 conf_size;
	/* Parse what the options checked; -1 with why. */
	int			(*conf_finish)(void *conf, char *why,
				    size_t whylen);
	const struct det_table	*tables;	/* name == NULL ends; may be NULL */
	size_t			 state_size;	/* the engine callocs it */
	/*
	 * After the tables exist: 0 on, 1 nothing to do (not dispatched),
	 * -1 with err.  type0 is the id of types[0].
	 */
	int			(*init)(struct pkt_engine *e, void *self,
				    const void *conf, int type0, char *err,
				    size_t errlen);
	const struct det_hook	*packet;	/* packet == NULL ends */
	void			(*flush)(struct pkt_engine *e, void *self,
				    int64_t now, bool final);
	/* Memory it holds outside its tables and state; may be NULL. */
	size_t			(*bytes)(const void *self);
	/* Free what init allocated (not the tables); may be NULL. */
	void			(*free)(void *self);
};

/* detectors.c: every detector, NULL-terminated. */
extern const struct detector_ops *const detector_registry[];
/* report.c: the engine's own table (finding repeats). */
extern const struct det_table engine_tables[];

/* ---- for the detectors ----------------------------------------------- */

/*
 * Report a finding of type id t.  targets and evidence are stolen (either
 * may be NULL).  first/last are packet times.  Counts per type; honours
 * `disable`.
 */
void	eng_report(struct pkt_engine *e, int t, enum severity sev,
	    const char *key, const char *source, json_t *targets,
	    int64_t first_ms, int64_t last_ms, uint64_t count, json_t *evidence);
/*
 * Has (t, a, b) been reported within realert?  If not, remember it now
 * and return false.  For detectors without their own per-entry state.
 */
bool	eng_reported_recently(struct pkt_engine *e, int t,
	    const void *a, size_t alen, const void *b, size_t blen);
static inline bool
eng_disabled(const struct pkt_engine *e, int t)
{
	return e->c.disabled[t];
}
bool	eng_home(const struct pkt_engine *e, const struct paddr *a);
uint32_t eng_addr_id(const struct paddr *a);
json_t	*eng_time(int64_t ms);
/* conf_opt validate for address lists (home_net, *_allow, gateway). */
int	eng_valid_cidrs(const void *field, char *why, size_t whylen);

/* ---- single detectors' helpers that tests call ------------------------- */

/* Blocked ranges: sorted, merged [lo, hi] over 128-bit addresses. */
struct blockrange {
	struct paddr	lo, hi;
};
/* Load FILE; -1 with why ("FILE:LINE: ...") on a bad line. */
int	blocklist_load(const char *path, struct blockrange **out, size_t *n,
	    char *why, size_t whylen);
double	dns_entropy(const char *s, size_t n);

#endif
