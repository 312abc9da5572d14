/*
 * libpcap capture, live and offline (pcap and pcapng, which
 * pcap_open_offline reads alike).  Link types are mapped to the engine's
 * numbering (pkt.h, after the LINKTYPE_ registry); anything else is
 * refused at open time with a clear message, not skipped packet by packet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "probes/packet/capture.h"
#include "probes/packet/engine.h"

struct capture {
	pcap_t	*p;
	int	 link;
	char	 name[256];
	struct pkt_engine *e;
	char	*iobuf;		/* stdio buffer of a file; freed after pcap_close */
};

static int
link_map(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return PKT_LINK_ETHERNET;
	case DLT_LINUX_SLL:
		return PKT_LINK_SLL;
	case DLT_LINUX_SLL2:
		return PKT_LINK_SLL2;
	case DLT_IPV4:
		return PKT_LINK_IPV4;
	case DLT_IPV6:
		return PKT_LINK_IPV6;
	case DLT_NULL:
		return PKT_LINK_NULL;
	case DLT_LOOP:
		return PKT_LINK_LOOP;
	case DLT_RAW:		/* 12 on most systems, 14 on OpenBSD */
	case 14:
	case 101:		/* LINKTYPE_RAW, as some files carry it */
		return PKT_LINK_RAW;
	default:
		return -1;
	}
}

static struct capture *
capture_wrap(pcap_t *p, const char *name, char *err, size_t errlen)
{
	struct capture	*cap;
	int		 dlt = pcap_datalink(p);

	if (link_map(dlt) == -1) {
		snprintf(err, errlen, "%s: link type %s (%d) is not supported "
		    "(Ethernet, 802.1Q, Linux cooked, raw IP, loopback are)", name,
		    pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt)
		    : "?", dlt);
		pcap_close(p);
		return NULL;
	}
	if ((cap = calloc(1, sizeof(*cap))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		pcap_close(p);
		return NULL;
	}
	cap->p = p;
	cap->link = link_map(dlt);
	snprintf(cap->name, sizeof(cap->name), "%s", name);
	return cap;
}

struct capture *
capture_open_file(const char *path, char *err, size_t errlen)
{
	char		 ebuf[PCAP_ERRBUF_SIZE] = "";
	char		*buf;
	pcap_t		*p;
	FILE		*f;
	struct capture	*cap;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot read as pcap or pcapng: %s", path,
		    strerror(errno));
		return NULL;
	}
	/* Without it stdio keeps its own buffer: slower, still correct. */
	if ((buf = malloc(CAPTURE_FILE_BUF)) != NULL &&
	    setvbuf(f, buf, _IOFBF, CAPTURE_FILE_BUF) != 0) {
		free(buf);
		buf = NULL;
	}
	p = pcap_fopen_offline(f, ebuf);	/* owns f once it succeeds */
	if (p == NULL) {
		fclose(f);
		free(buf);
		snprintf(err, errlen, "%s: cannot read as pcap or pcapng: %s", path,
		    ebuf);
		return NULL;
	}
	if ((cap = capture_wrap(p, path, err, errlen)) == NULL) {
		free(buf);		/* capture_wrap closed p and f */
		return NULL;
	}
	cap->iobuf = buf;
	return cap;
}

struct capture *
capture_open_live(const char *ifname, const struct pkt_conf *c, char *err,
    size_t errlen)
{
	char			ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program	prog;
	pcap_t			*p;
	int			rc;

	if ((p = pcap_create(ifname, ebuf)) == NULL) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, c->snaplen);
	pcap_set_promisc(p, c->promisc);
	pcap_set_immediate_mode(p, c->immediate);
	pcap_set_buffer_size(p, (int)c->buffer_size);
	pcap_set_timeout(p, 100);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "interface %s: cannot capture: %s%s", ifname,
		    pcap_geterr(p), rc == PCAP_ERROR_PERM_DENIED ?
		    " (the agent must start as root to open capture handles)" :
		    rc == PCAP_ERROR_NO_SUCH_DEVICE ?
		    " (check [packet] interfaces)" : "");
		pcap_close(p);
		return NULL;
	}
	if (c->bpf[0] != '\0') {
		if (pcap_compile(p, &prog, c->bpf, 1, PCAP_NETMASK_UNKNOWN) == -1) {
			snprintf(err, errlen, "[packet] bpf '%s': %s", c->bpf,
			    pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc == -1) {
			snprintf(err, errlen, "interface %s: cannot set the filter: %s",
			    ifname, pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
	}
	if (pcap_setnonblock(p, 1, ebuf) == -1) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		pcap_close(p);
		return NULL;
	}
	return capture_wrap(p, ifname, err, errlen);
}

int
capture_fd(const struct capture *cap)
{
	return pcap_get_selectable_fd(cap->p);
}

const char *
capture_name(const struct capture *cap)
{
	return cap->name;
}

static void
capture_cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture	*cap = (struct capture *)arg;
	int64_t		 ts = (int64_t)h->ts.tv_sec * 1000 + h->ts.tv_usec / 1000;

	pkt_engine_frame(cap->e, cap->link, ts, bytes, h->caplen, h->len);
}

int
capture_feed(struct capture *cap, int max, struct pkt_engine *e, char *err,
    size_t errlen)
{
	int	n;

	cap->e = e;
	n = pcap_dispatch(cap->p, max, capture_cb, (u_char *)cap);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", cap->name, pcap_geterr(cap->p));
		return -1;
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	/* A file at its end returns 0. */
	if (n == 0 && pcap_file(cap->p) != NULL)
		return -2;
	return n;
}

void
capture_stats(struct capture *cap, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat	st;

	*recv = *drop = 0;
	if (pcap_file(cap->p) == NULL && pcap_stats(cap->p, &st) == 0) {
		*recv = st.ps_recv;
		*drop = st.ps_drop + st.ps_ifdrop;
	}
}

void
capture_close(struct capture *cap)
{
	if (cap == NULL)
		return;
	pcap_close(cap->p);
	free(cap->iobuf);
	free(cap);
}
