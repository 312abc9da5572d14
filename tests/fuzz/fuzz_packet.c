/*
 * libFuzzer target: the packet decoders and every detector.
 *
 * Input: a sequence of frames, each "link (1 byte) | length (2 bytes, big
 * endian) | frame bytes"; a short tail is one more frame.  The link byte
 * picks one of the supported link types.  One engine lives across inputs
 * (small memory cap, every detector on, learning off) so that state built
 * by earlier inputs meets later ones, as on a real link; time advances by
 * an amount taken from the length field so windows open and close.  Every
 * 64 inputs the engine is flushed as at the end of a capture.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/packet/engine.h"
#include "probes/packet/pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[8] = {
	PKT_LINK_ETHERNET, PKT_LINK_SLL, PKT_LINK_SLL2, PKT_LINK_RAW,
	PKT_LINK_NULL, PKT_LINK_LOOP, PKT_LINK_IPV4, PKT_LINK_IPV6,
};

static struct pkt_engine	*eng;
static int64_t			 now = 1795744800000LL;
static unsigned			 runs;

static void
sink(void *ctx, int64_t ts, const char *type, enum severity sev,
    const char *key, json_t *data)
{
	char	*s;

	(void)ctx; (void)ts; (void)type; (void)sev; (void)key;
	/* What --analyze would print must serialise. */
	s = json_dumps(data, JSON_COMPACT);
	if (s == NULL)
		abort();
	free(s);
	json_decref(data);
}

static void
setup(void)
{
	struct pkt_conf	*pc = calloc(1, sizeof(*pc));
	struct conf_err	 err;
	struct pkt_sink	 sk = { sink, NULL };
	struct conf	*c;
	char		 why[256];

	/* Low thresholds, so that every detector reports. */
	c = conf_load_string("fuzz.ini", "[packet]\n"
	    "memory_cap = 2M\nnewdev_learning = 0\n"
	    "portscan_ports = 3\naddrscan_hosts = 3\nsweep_hosts = 3\n"
	    "synflood_rate = 5\nicmpflood_rate = 5\nudpflood_rate = 5\n"
	    "dns_suspicious = 1\nnxdomain_count = 2\n"
	    "arp_unsolicited = 1\ngarp_storm = 2\noui_file =\n", &err);
	if (pc == NULL || c == NULL || pkt_conf_load(c, pc, &err) == -1)
		abort();
	conf_free(c);
	eng = pkt_engine_new(pc, &sk, why, sizeof(why));
	if (eng == NULL)
		abort();
	free(pc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg	m;

	if (eng == NULL)
		setup();
	/* The DNS reader on its own, on the raw input. */
	(void)dns_decode(data, size, &m);
	while (size > 0) {
		int	link = links[data[0] & 7];
		size_t	len = size - 1;

		if (size >= 3) {
			len = ((size_t)data[1] << 8) | data[2];
			now += len & 0x3ff;
			data += 3;
			size -= 3;
			if (len > size)
				len = size;
		} else {
			data += 1;
			size -= 1;
			len = size;
		}
		{
			/* An exact-size copy, so ASan sees any read past it. */
			uint8_t	*f = malloc(len ? len : 1);

			memcpy(f, data, len);
			pkt_engine_frame(eng, link, now, f, len, len + (len & 7));
			free(f);
		}
		data += len;
		size -= len;
	}
	if (++runs % 64 == 0)
		pkt_engine_flush(eng, now + 600000, true);
	return 0;
}
