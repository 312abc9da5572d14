/*
 * Capture handles: live interfaces and capture files.  The only part of
 * Shaobing that sees libpcap; everything after it takes (link type,
 * bytes, lengths, time).
 */
#ifndef SHAOBING_PKT_CAPTURE_H
#define SHAOBING_PKT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/*
 * libpcap reads a file through stdio, a header and a packet at a time;
 * with stdio's default 4 KB buffer that is one read(2) per few packets.
 * Files are read through a buffer of this size of our own instead (glibc
 * ignores the size when setvbuf allocates), set before the first read
 * (C11 7.21.5.6).  Not larger: a 1 MB buffer, as big as the L2 cache of
 * the benchmark machine, evicted the detectors' state and itself on every
 * refill and read at half the speed of 64 KB (bench/packet.sh; its
 * buffered no-op reads through the same size).
 */
#define CAPTURE_FILE_BUF	(64u << 10)

struct capture;
struct pkt_conf;
struct pkt_engine;

/* A pcap or pcapng file.  NULL with err. */
struct capture	*capture_open_file(const char *path, char *err, size_t errlen);
/* A live interface with the [packet] capture options.  NULL with err. */
struct capture	*capture_open_live(const char *ifname, const struct pkt_conf *c,
		    char *err, size_t errlen);
/* Pollable descriptor of a live handle (non-blocking). */
int		 capture_fd(const struct capture *cap);
const char	*capture_name(const struct capture *cap);
/*
 * Feed up to max packets (-1: all that are there) to e.  Returns the
 * number fed, 0 when none were waiting, -1 on error (err), -2 at the end
 * of a file.
 */
int		 capture_feed(struct capture *cap, int max, struct pkt_engine *e,
		    char *err, size_t errlen);
/* Kernel counters for a live handle (0 for files). */
void		 capture_stats(struct capture *cap, uint64_t *recv,
		    uint64_t *drop);
void		 capture_close(struct capture *cap);

#endif
