/*
 * SNMP device queries: see snmp.h.  The single-session API of net-snmp
 * (snmp_sess_*) keeps no shared state per request, so several threads
 * may query at once; the USM user table is global, so SNMPv3 sessions
 * are opened and run under one lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "probes/check/snmp.h"

#define WALK_MAX	4096	/* varbinds per table walk */
#define IFS_MAX		512
#define HR_MAX		256
#define ALERTS_MAX	128

static pthread_once_t	snmp_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t	v3_lock = PTHREAD_MUTEX_INITIALIZER;

static void
snmp_lib_init(void)
{
	/* No MIB files, no snmp.conf, no persistent state on disk. */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/nonexistent", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	    NETSNMP_DS_LIB_QUICK_PRINT, 1);
	snmp_disable_log();
	init_snmp("shaobing");
}

/* ---- names and tables ------------------------------------------------ */

const char *
snmp_ifstatus_name(int v)
{
	static const char *const n[] = { "?", "up", "down", "testing",
	    "unknown", "dormant", "notPresent", "lowerLayerDown" };

	return v >= 1 && v <= 7 ? n[v] : "?";
}

const char *
snmp_hrstatus_name(int v)
{
	static const char *const n[] = { "?", "unknown", "running", "warning",
	    "testing", "down" };

	return v >= 1 && v <= 5 ? n[v] : "?";
}

const char *
snmp_printer_status_name(int v)
{
	static const char *const n[] = { "?", "other", "unknown", "idle",
	    "printing", "warmup" };

	return v >= 1 && v <= 5 ? n[v] : "?";
}

const char *
snmp_ups_battery_name(int v)
{
	static const char *const n[] = { "?", "unknown", "batteryNormal",
	    "batteryLow", "batteryDepleted" };

	return v >= 1 && v <= 4 ? n[v] : "?";
}

/* PrtAlertCodeTC (RFC 3805) with the plain words an administrator uses. */
static const struct {
	int		 code;
	const char	*name;
} alert_codes[] = {
	{ 3, "coverOpen 机盖打开 cover open" },
	{ 5, "interlockOpen 联锁打开 interlock open" },
	{ 8, "jam 卡纸 paper jam" },
	{ 501, "doorOpen 机门打开 door open" },
	{ 801, "inputMediaTrayMissing 纸盒缺失 tray missing" },
	{ 807, "inputMediaSupplyLow 纸张不足 paper low" },
	{ 808, "inputMediaSupplyEmpty 缺纸 paper empty" },
	{ 1101, "markerTonerEmpty 碳粉用尽 toner empty" },
	{ 1104, "markerTonerAlmostEmpty 碳粉不足 toner low" },
	{ 1102, "markerInkEmpty 墨水用尽 ink empty" },
	{ 1105, "markerInkAlmostEmpty 墨水不足 ink low" },
	{ 1001, "markerFuserUnderTemperature 定影器温度过低 fuser cold" },
	{ 1002, "markerFuserOverTemperature 定影器过热 fuser hot" },
	{ 1111, "markerWasteTonerReceptacleFull 废粉盒满 waste toner full" },
	{ 1301, "mediaPathMediaTrayMissing 纸路纸盒缺失 media path tray missing" },
	{ 1302, "mediaPathMediaTrayFull 纸路纸盒满 media path full" },
};

const char *
snmp_alert_code_name(int code)
{
	for (size_t i = 0; i < sizeof(alert_codes) / sizeof(alert_codes[0]); i++)
		if (alert_codes[i].code == code)
			return alert_codes[i].name;
	return code == 1 ? "other 其他 other" : "unknown 未知 unknown";
}

/* IANA enterprise numbers of equipment common in Chinese offices. */
static const struct {
	unsigned long	 pen;
	const char	*vendor;
} vendors[] = {
	{ 9, "Cisco" }, { 11, "HP" }, { 43, "3Com" }, { 171, "D-Link" },
	{ 232, "HP (Compaq)" }, { 236, "Samsung" }, { 253, "Xerox" },
	{ 311, "Microsoft" }, { 318, "APC" }, { 367, "Ricoh" },
	{ 534, "Eaton" }, { 641, "Lexmark" }, { 674, "Dell" },
	{ 1248, "Epson" }, { 1347, "Kyocera" }, { 1602, "Canon" },
	{ 2011, "Huawei" }, { 2254, "Santak" }, { 2435, "Brother" },
	{ 2636, "Juniper" }, { 3902, "ZTE" }, { 4881, "Ruijie" },
	{ 5596, "Tandberg" }, { 6486, "Alcatel-Lucent" }, { 8072, "Net-SNMP" },
	{ 11863, "TP-Link" }, { 12356, "Fortinet" }, { 14988, "MikroTik" },
	{ 18334, "Konica Minolta" }, { 25506, "H3C" }, { 25461, "Palo Alto" },
	{ 30065, "Arista" }, { 35047, "Sangfor" }, { 39165, "Hikvision" },
	{ 41112, "Ubiquiti" }, { 1004849, "Dahua" },
};

const char *
snmp_vendor(const char *oid)
{
	static const char prefix[] = "1.3.6.1.4.1.";
	const char	*p;
	unsigned long	 pen = 0;
	int		 nd = 0;

	if (oid == NULL)
		return NULL;
	if (*oid == '.')
		oid++;
	if (strncmp(oid, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	for (p = oid + sizeof(prefix) - 1; *p >= '0' && *p <= '9'; p++)
		if (++nd > 9)
			return NULL;
		else
			pen = pen * 10 + (unsigned long)(*p - '0');
	if (nd == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].pen == pen)
			return vendors[i].vendor;
	return NULL;
}

void
snmp_model(const char *descr, char *out, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	while (descr != NULL && descr[n] != '\0' && descr[n] != '\n' &&
	    descr[n] != '\r' && n + 1 < len)
		n++;
	memcpy(out, descr ? descr : "", n);
	out[n] = '\0';
}

/* ---- varbind values, checked -------------------------------------------- */

static int
vb_int(const netsnmp_variable_list *v, int64_t *out)
{
	switch (v->type) {
	case ASN_INTEGER:
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
		if (v->val.integer == NULL || v->val_len < sizeof(long))
			return -1;
		*out = v->type == ASN_INTEGER ? (int64_t)*v->val.integer :
		    (int64_t)(unsigned long)*v->val.integer;
		if (v->type != ASN_INTEGER)
			*out &= 0xffffffffLL;
		return 0;
	case ASN_COUNTER64:
		if (v->val.counter64 == NULL ||
		    v->val_len < sizeof(struct counter64))
			return -1;
		*out = (int64_t)(((uint64_t)v->val.counter64->high << 32) |
		    (uint64_t)(v->val.counter64->low & 0xffffffffUL));
		return 0;
	default:
		return -1;
	}
}

/* An OCTET STRING as printable text (other bytes become '?'). */
static int
vb_str(const netsnmp_variable_list *v, char *out, size_t len)
{
	size_t n;

	if (v->type != ASN_OCTET_STR || len == 0)
		return -1;
	n = v->val_len < len - 1 ? v->val_len : len - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = v->val.string[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : c == '\n' ? '\n' :
		    c >= 0x80 ? (char)c : '?';
	}
	out[n] = '\0';
	/* Keep it valid UTF-8 for JSON: else drop the high bytes. */
	{
		json_t *t = json_string(out);

		if (t == NULL)
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)out[i] >= 0x80)
					out[i] = '?';
		json_decref(t);
	}
	return 0;
}

static void
oid_text(const oid *o, size_t n, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(out + off, len - off, "%s%lu", i ? "." : "",
		    (unsigned long)o[i]);

		if (w < 0 || (size_t)w >= len - off) {
			out[off] = '\0';
			return;
		}
		off += (size_t)w;
	}
}

/* ---- session -------------------------------------------------------- */

struct sess {
	void			*sp;
	const struct snmp_opts	*o;
	char			*why;
	size_t			 whylen;
};

static void
sess_err(struct sess *s, int status, const netsnmp_pdu *resp)
{
	int	 liberr = 0, syserr = 0;
	char	*msg = NULL;

	if (status == STAT_TIMEOUT) {
		snprintf(s->why, s->whylen, "no SNMP answer within %lld ms "
		    "(device down, wrong %s, or SNMP off)",
		    (long long)s->o->timeout_ms, s->o->version == 3 ?
		    "user or keys" : "community");
		return;
	}
	if (status == STAT_SUCCESS && resp != NULL) {
		snprintf(s->why, s->whylen, "SNMP error: %s",
		    snmp_errstring((int)resp->errstat));
		return;
	}
	snmp_sess_error(s->sp, &liberr, &syserr, &msg);
	snprintf(s->why, s->whylen, "SNMP: %s", msg ? msg : "request failed");
	free(msg);
}

static int
sess_open(struct sess *s, const struct snmp_opts *o)
{
	netsnmp_session	 in;
	char		 peer[320];
	int		 v6 = strchr(o->host, ':') != NULL;

	snmp_sess_init(&in);
	snprintf(peer, sizeof(peer), "%s:%s%s%s:%u", v6 ? "udp6" : "udp",
	    v6 ? "[" : "", o->host, v6 ? "]" : "", o->port);
	in.peername = peer;
	in.timeout = (long)o->timeout_ms * 1000;
	in.retries = o->retries;
	if (o->version == 3) {
		in.version = SNMP_VERSION_3;
		in.securityName = (char *)(uintptr_t)o->user;
		in.securityNameLen = strlen(o->user);
		in.securityLevel = o->auth == SNMP_AUTH_NONE ?
		    SNMP_SEC_LEVEL_NOAUTH : o->priv == SNMP_PRIV_NONE ?
		    SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_AUTHPRIV;
		if (o->auth != SNMP_AUTH_NONE) {
			const oid *ap = o->auth == SNMP_AUTH_SHA256 ?
			    usmHMAC192SHA256AuthProtocol : usmHMACSHA1AuthProtocol;

			in.securityAuthProto = snmp_duplicate_objid(ap,
			    USM_AUTH_PROTO_SHA_LEN);
			in.securityAuthProtoLen = USM_AUTH_PROTO_SHA_LEN;
			in.securityAuthKeyLen = USM_AUTH_KU_LEN;
			if (generate_Ku(in.securityAuthProto,
			    (u_int)in.securityAuthProtoLen,
			    (const u_char *)o->auth_pass, strlen(o->auth_pass),
			    in.securityAuthKey, &in.securityAuthKeyLen) !=
			    SNMPERR_SUCCESS) {
				snprintf(s->why, s->whylen, "SNMPv3: cannot "
				    "derive the auth key (passphrase of at least "
				    "8 characters?)");
				free(in.securityAuthProto);
				return -1;
			}
		}
		if (o->priv == SNMP_PRIV_AES) {
			in.securityPrivProto = snmp_duplicate_objid(
			    usmAESPrivProtocol, USM_PRIV_PROTO_AES_LEN);
			in.securityPrivProtoLen = USM_PRIV_PROTO_AES_LEN;
			in.securityPrivKeyLen = USM_PRIV_KU_LEN;
			if (generate_Ku(in.securityAuthProto,
			    (u_int)in.securityAuthProtoLen,
			    (const u_char *)o->priv_pass, strlen(o->priv_pass),
			    in.securityPrivKey, &in.securityPrivKeyLen) !=
			    SNMPERR_SUCCESS) {
				snprintf(s->why, s->whylen, "SNMPv3: cannot "
				    "derive the privacy key");
				free(in.securityAuthProto);
				free(in.securityPrivProto);
				return -1;
			}
		}
	} else {
		in.version = SNMP_VERSION_2c;
		in.community = (u_char *)(uintptr_t)o->community;
		in.community_len = strlen(o->community);
	}
	s->sp = snmp_sess_open(&in);
	free(in.securityAuthProto);
	free(in.securityPrivProto);
	if (s->sp == NULL) {
		snprintf(s->why, s->whylen, "SNMP: cannot open a session to %s",
		    peer);
		return -1;
	}
	return 0;
}

static const oid OID_SYS[] = { 1, 3, 6, 1, 2, 1, 1 };
static const oid OID_UPS_BATT[] = { 1, 3, 6, 1, 2, 1, 33, 1, 2 };
static const oid OID_UPS_SRC[] = { 1, 3, 6, 1, 2, 1, 33, 1, 4, 1, 0 };

/* GET of the system scalars (and the UPS ones when ups). */
static int
get_scalars(struct sess *s, struct snmp_dev *d, int ups)
{
	netsnmp_pdu		*pdu, *resp = NULL;
	netsnmp_variable_list	*v;
	oid			 o[MAX_OID_LEN];
	int			 status;
	static const int	 sysparts[] = { 1, 2, 3, 5 };
	static const int	 upsparts[] = { 1, 2, 3 };

	pdu = snmp_pdu_create(SNMP_MSG_GET);
	if (!ups)
		for (size_t i = 0; i < 4; i++) {
			memcpy(o, OID_SYS, sizeof(OID_SYS));
			o[7] = (oid)sysparts[i];
			o[8] = 0;
			snmp_add_null_var(pdu, o, 9);
		}
	else {
		for (size_t i = 0; i < 3; i++) {
			memcpy(o, OID_UPS_BATT, sizeof(OID_UPS_BATT));
			o[9] = (oid)upsparts[i];
			o[10] = 0;
			snmp_add_null_var(pdu, o, 11);
		}
		snmp_add_null_var(pdu, OID_UPS_SRC, 11);
	}
	status = snmp_sess_synch_response(s->sp, pdu, &resp);
	if (status != STAT_SUCCESS || resp == NULL ||
	    resp->errstat != SNMP_ERR_NOERROR) {
		sess_err(s, status, resp);
		snmp_free_pdu(resp);
		return -1;
	}
	for (v = resp->variables; v != NULL; v = v->next_variable) {
		int64_t x;

		if (v->type == SNMP_NOSUCHOBJECT || v->type ==
		    SNMP_NOSUCHINSTANCE || v->type == SNMP_ENDOFMIBVIEW)
			continue;
		if (!ups && v->name_length == 9 && snmp_oid_compare(v->name, 7,
		    OID_SYS, 7) == 0) {
			switch (v->name[7]) {
			case 1:
				vb_str(v, d->sysdescr, sizeof(d->sysdescr));
				break;
			case 2:
				if (v->type == ASN_OBJECT_ID &&
				    v->val.objid != NULL)
					oid_text(v->val.objid, v->val_len /
					    sizeof(oid), d->sysobjectid,
					    sizeof(d->sysobjectid));
				break;
			case 3:
				if (vb_int(v, &x) == 0) {
					d->uptime_ticks = (uint32_t)x;
					d->has_uptime = true;
				}
				break;
			case 5:
				vb_str(v, d->sysname, sizeof(d->sysname));
				break;
			}
		} else if (ups && vb_int(v, &x) == 0) {
			d->has_ups = true;
			if (v->name_length == 11 && v->name[7] == 1 &&
			    v->name[8] == 4)
				d->ups_source = (int)x;
			else if (v->name_length == 11 && v->name[8] == 2)
				switch (v->name[9]) {
				case 1:
					d->ups_battery = (int)x;
					break;
				case 2:
					d->ups_on_battery_s = x;
					break;
				case 3:
					d->ups_minutes_left = x;
					break;
				}
		}
	}
	snmp_free_pdu(resp);
	return 0;
}

typedef void (*walk_fn)(void *arg, const oid *idx, size_t nidx,
    const netsnmp_variable_list *v);

/*
 * GETBULK walk of the subtree root; fn gets the index part of each name.
 * 0 also when the device has no such table; -1 when it stopped answering.
 */
static int
walk(struct sess *s, const oid *root, size_t rootlen, walk_fn fn, void *arg)
{
	oid	 cur[MAX_OID_LEN];
	size_t	 curlen = rootlen, seen = 0;

	memcpy(cur, root, rootlen * sizeof(oid));
	while (seen < WALK_MAX) {
		netsnmp_pdu		*pdu, *resp = NULL;
		netsnmp_variable_list	*v;
		int			 status, more = 1;

		pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
		pdu->non_repeaters = 0;
		pdu->max_repetitions = 24;
		snmp_add_null_var(pdu, cur, curlen);
		status = snmp_sess_synch_response(s->sp, pdu, &resp);
		if (status != STAT_SUCCESS || resp == NULL) {
			sess_err(s, status, resp);
			snmp_free_pdu(resp);
			return -1;
		}
		if (resp->errstat != SNMP_ERR_NOERROR) {
			snmp_free_pdu(resp);
			return 0;	/* noSuchName and the like: no table */
		}
		if (resp->variables == NULL)
			more = 0;
		for (v = resp->variables; v != NULL; v = v->next_variable) {
			if (v->type == SNMP_ENDOFMIBVIEW ||
			    v->type == SNMP_NOSUCHOBJECT ||
			    v->type == SNMP_NOSUCHINSTANCE ||
			    v->name_length <= rootlen ||
			    v->name_length > MAX_OID_LEN ||
			    snmp_oid_ncompare(v->name, v->name_length, root,
			    rootlen, rootlen) != 0 ||
			    snmp_oid_compare(v->name, v->name_length, cur,
			    curlen) <= 0) {
				more = 0;	/* past the table, or not advancing */
				break;
			}
			fn(arg, v->name + rootlen, v->name_length - rootlen, v);
			memcpy(cur, v->name, v->name_length * sizeof(oid));
			curlen = v->name_length;
			seen++;
		}
		snmp_free_pdu(resp);
		if (!more)
			return 0;
	}
	return 0;
}

/* ---- tables ------------------------------------------------------------ */

static struct snmp_if *
if_get(struct snmp_dev *d, uint32_t index)
{
	struct snmp_if *n;

	for (size_t i = 0; i < d->nifs; i++)
		if (d->ifs[i].index == index)
			return &d->ifs[i];
	if (d->nifs >= IFS_MAX ||
	    (n = realloc(d->ifs, (d->nifs + 1) * sizeof(*n))) == NULL)
		return NULL;
	d->ifs = n;
	memset(&n[d->nifs], 0, sizeof(*n));
	n[d->nifs].index = index;
	return &n[d->nifs++];
}

/* ifTable (1.3.6.1.2.1.2.2.1) and ifXTable (1.3.6.1.2.1.31.1.1.1): column.index */
static void
if_cb(void *arg, const oid *idx, size_t n, const netsnmp_variable_list *v)
{
	struct snmp_dev	*d = arg;
	struct snmp_if	*f;
	int64_t		 x = 0;
	int		 xtable = v->name_length > 9 && v->name[6] == 31;

	if (n != 2 || idx[1] == 0 || idx[1] > 0x7fffffff ||
	    (f = if_get(d, (uint32_t)idx[1])) == NULL)
		return;
	if (xtable) {
		if (idx[0] == 1)
			vb_str(v, f->name, sizeof(f->name));
		else if (idx[0] == 15 && vb_int(v, &x) == 0 && x > 0)
			f->speed_bps = (uint64_t)x * 1000000;
		return;
	}
	switch (idx[0]) {
	case 2:
		if (f->name[0] == '\0')
			vb_str(v, f->name, sizeof(f->name));
		break;
	case 5:
		if (vb_int(v, &x) == 0 && f->speed_bps == 0)
			f->speed_bps = (uint64_t)x;
		break;
	case 7:
		if (vb_int(v, &x) == 0)
			f->admin = (int)x;
		break;
	case 8:
		if (vb_int(v, &x) == 0)
			f->oper = (int)x;
		break;
	case 14:
		if (vb_int(v, &x) == 0)
			f->in_errors = (uint64_t)x;
		break;
	case 20:
		if (vb_int(v, &x) == 0)
			f->out_errors = (uint64_t)x;
		break;
	}
}

static struct snmp_hrdev *
hr_get(struct snmp_dev *d, uint32_t index)
{
	struct snmp_hrdev *n;

	for (size_t i = 0; i < d->nhr; i++)
		if (d->hr[i].index == index)
			return &d->hr[i];
	if (d->nhr >= HR_MAX ||
	    (n = realloc(d->hr, (d->nhr + 1) * sizeof(*n))) == NULL)
		return NULL;
	d->hr = n;
	memset(&n[d->nhr], 0, sizeof(*n));
	n[d->nhr].index = index;
	return &n[d->nhr++];
}

/* hrDeviceEntry (1.3.6.1.2.1.25.3.2.1) and hrPrinterEntry (.25.3.5.1). */
static void
hr_cb(void *arg, const oid *idx, size_t n, const netsnmp_variable_list *v)
{
	struct snmp_dev		*d = arg;
	struct snmp_hrdev	*h;
	int64_t			 x;
	int			 printer = v->name[9] == 5;

	if (n != 2 || idx[1] > 0x7fffffff ||
	    (h = hr_get(d, (uint32_t)idx[1])) == NULL)
		return;
	if (printer) {
		if (idx[0] == 1 && vb_int(v, &x) == 0)
			h->printer = (int)x;
		return;
	}
	if (idx[0] == 3)
		vb_str(v, h->descr, sizeof(h->descr));
	else if (idx[0] == 5 && vb_int(v, &x) == 0)
		h->status = (int)x;
}

/* prtAlertEntry (1.3.6.1.2.1.43.18.1.1): column.hrDeviceIndex.prtAlertIndex */
static void
alert_cb(void *arg, const oid *idx, size_t n, const netsnmp_variable_list *v)
{
	struct snmp_dev		*d = arg;
	struct snmp_alert	*a = NULL, *na;
	int64_t			 x;

	if (n != 3 || idx[2] > 0x7fffffff)
		return;
	for (size_t i = 0; i < d->nalerts; i++)
		if (d->alerts[i].index == idx[2])
			a = &d->alerts[i];
	if (a == NULL) {
		if (d->nalerts >= ALERTS_MAX || (na = realloc(d->alerts,
		    (d->nalerts + 1) * sizeof(*na))) == NULL)
			return;
		d->alerts = na;
		a = &na[d->nalerts++];
		memset(a, 0, sizeof(*a));
		a->index = (uint32_t)idx[2];
	}
	switch (idx[0]) {
	case 2:
		if (vb_int(v, &x) == 0)
			a->severity = (int)x;
		break;
	case 4:
		if (vb_int(v, &x) == 0)
			a->group = (int)x;
		break;
	case 7:
		if (vb_int(v, &x) == 0)
			a->code = (int)x;
		break;
	case 8:
		vb_str(v, a->descr, sizeof(a->descr));
		break;
	}
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
snmp_query(const struct snmp_opts *o, struct snmp_dev *d)
{
	static const oid iftab[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1 };
	static const oid ifxname[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1 };
	static const oid ifxspeed[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15 };
	static const oid hrdev[] = { 1, 3, 6, 1, 2, 1, 25, 3, 2, 1 };
	static const oid hrprn[] = { 1, 3, 6, 1, 2, 1, 25, 3, 5, 1 };
	static const oid alerts[] = { 1, 3, 6, 1, 2, 1, 43, 18, 1, 1 };
	struct sess	 s = { NULL, o, d->why, sizeof(d->why) };
	int		 rc = -1, locked = 0;
	int64_t		 t0;

	memset(d, 0, sizeof(*d));
	d->ups_minutes_left = -1;
	pthread_once(&snmp_once, snmp_lib_init);
	if (o->version == 3) {
		pthread_mutex_lock(&v3_lock);
		locked = 1;
	}
	if (sess_open(&s, o) == -1)
		goto out;
	t0 = now_ms();
	if (get_scalars(&s, d, 0) == -1)
		goto out;
	d->rtt_ms = now_ms() - t0;
	rc = 0;		/* it answered; the rest is what it has */
	if (o->sys_only)
		goto out;
	if (walk(&s, iftab, 9, if_cb, d) == -1 ||
	    walk(&s, ifxname, 11, if_cb, d) == -1 ||
	    walk(&s, ifxspeed, 11, if_cb, d) == -1 ||
	    walk(&s, hrdev, 10, hr_cb, d) == -1 ||
	    walk(&s, hrprn, 10, hr_cb, d) == -1 ||
	    walk(&s, alerts, 10, alert_cb, d) == -1)
		goto out;	/* keep what came; the why says what stopped */
	if (get_scalars(&s, d, 1) == -1)
		d->why[0] = '\0';	/* no UPS-MIB: not an error */
out:
	if (s.sp != NULL)
		snmp_sess_close(s.sp);
	if (locked)
		pthread_mutex_unlock(&v3_lock);
	return rc;
}

void
snmp_dev_free(struct snmp_dev *d)
{
	if (d == NULL)
		return;
	free(d->ifs);
	free(d->hr);
	free(d->alerts);
	d->ifs = NULL;
	d->hr = NULL;
	d->alerts = NULL;
	d->nifs = d->nhr = d->nalerts = 0;
}

json_t *
snmp_dev_json(const struct snmp_dev *d)
{
	json_t		*o, *a;
	const char	*vendor = snmp_vendor(d->sysobjectid);
	char		 model[128];

	snmp_model(d->sysdescr, model, sizeof(model));
	o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:I, s:I}",
	    "sysName", d->sysname, "sysDescr", d->sysdescr,
	    "sysObjectID", d->sysobjectid, "vendor", vendor, "model", model,
	    "sysUpTime", (json_int_t)d->uptime_ticks,
	    "rtt_ms", (json_int_t)d->rtt_ms);
	if (o == NULL)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < d->nifs; i++) {
		const struct snmp_if *f = &d->ifs[i];

		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:I, "
		    "s:I, s:I}", "index", (json_int_t)f->index, "name", f->name,
		    "admin", snmp_ifstatus_name(f->admin), "oper",
		    snmp_ifstatus_name(f->oper), "speed_bps",
		    (json_int_t)f->speed_bps, "in_errors",
		    (json_int_t)f->in_errors, "out_errors",
		    (json_int_t)f->out_errors));
	}
	json_object_set_new(o, "interfaces", a);
	a = json_array();
	for (size_t i = 0; i < d->nhr; i++) {
		const struct snmp_hrdev *h = &d->hr[i];
		json_t *x = json_pack("{s:I, s:s, s:s}", "index",
		    (json_int_t)h->index, "descr", h->descr, "status",
		    snmp_hrstatus_name(h->status));

		if (x != NULL && h->printer != 0)
			json_object_set_new(x, "printer",
			    json_string(snmp_printer_status_name(h->printer)));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "devices", a);
	a = json_array();
	for (size_t i = 0; i < d->nalerts; i++) {
		const struct snmp_alert *x = &d->alerts[i];

		json_array_append_new(a, json_pack("{s:I, s:i, s:i, s:i, s:s, "
		    "s:s}", "index", (json_int_t)x->index, "severity",
		    x->severity, "group", x->group, "code", x->code, "name",
		    snmp_alert_code_name(x->code), "descr", x->descr));
	}
	json_object_set_new(o, "alerts", a);
	if (d->has_ups)
		json_object_set_new(o, "ups", json_pack("{s:s, s:I, s:I, s:i}",
		    "battery", snmp_ups_battery_name(d->ups_battery),
		    "seconds_on_battery", (json_int_t)d->ups_on_battery_s,
		    "minutes_left", (json_int_t)d->ups_minutes_left,
		    "output_source", d->ups_source));
	return o;
}
