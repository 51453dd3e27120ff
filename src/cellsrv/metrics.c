/* metrics.c: what cellsrv counts and how /metrics shows it (Prometheus
 * text format, every family with its HELP and TYPE: promtool check metrics
 * passes). The counters are one struct the other rooms add to. The
 * SEND-to-ACK latency is measured here: a SEND accepted for another cell
 * starts a clock, kept in a small table keyed by (sender, message id), that
 * its ACK stops when applied; a SEND within the cell is acked in the call
 * that accepts it and counts in the first bucket. The buckets are
 * hist_bounds', ten a decade, so a percentile read from them is within 28%
 * of the exact value. Who answers is said too (cellstress_host_info): a
 * monitor finds a port clash or a cell on the wrong address at its first
 * scrape. node.c adds the host, info.c Redis. */
#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "build-id.h"
#include "cellsrv.h"
#include "clock.h"
#include "hist.h"
#include "procfs.h"
#include "promout.h"

#define LAT_SLOTS (1 << 16)            /* send timestamps kept for latency */

struct stats st;

static double lat_le[HIST_MAX];
static int    lat_n;
static struct prom_self me;            /* this process: its id, its start */

static struct {
	long long u, k;
	double    t;
} lat[LAT_SLOTS];

void
metrics_start(void)
{
	lat_n = hist_bounds(lat_le, HIST_MAX);
	prom_self_init(&me);
}

/* Latency table: O(1), direct mapped; a collision loses one sample. */
static unsigned
lat_slot(long long u, long long k)
{
	uint64_t h = (uint64_t)u * 0x9E3779B97F4A7C15ULL ^ (uint64_t)k * 0xC2B2AE3D27D4EB4FULL;
	return (unsigned)(h >> 48) & (LAT_SLOTS - 1);
}

void
lat_start(long long u, long long k, double t)
{
	unsigned s = lat_slot(u, k);

	lat[s].u = u;
	lat[s].k = k;
	lat[s].t = t;
}

void
lat_end(long long u, long long k)
{
	unsigned s = lat_slot(u, k);
	int lo = 0, hi = lat_n;
	double d;

	if (lat[s].u != u || lat[s].k != k)
		return;
	lat[s].u = 0;
	d = cs_now() - lat[s].t;
	while (lo < hi) {                       /* the first bound >= d: O(log buckets) */
		int mid = (lo + hi) / 2;
		if (lat_le[mid] >= d)
			hi = mid;
		else
			lo = mid + 1;
	}
	st.lat_buckets[lo]++;
	st.lat_count++;
	st.lat_sum += d;
}

void
lat_local(unsigned long long n)
{
	st.lat_buckets[0] += n;
	st.lat_count += n;
}

static void
counter(struct evbuffer *b, const char *name, const char *help, unsigned long long v)
{
	prom_one(b, name, "counter", help, (double)v);
}

void
metrics_text(struct evbuffer *b)
{
	static const char *status[] = { "duplicate", "retransmitted", "parked", "accepted" };
	static const struct {
		const char *name, *type, *help;
	} peer_family[] = {
		{ "cellsrv_peer_up", "gauge", "1 while the link to that cell is up." },
		{ "cellsrv_peer_connects_total", "counter", "Connections made to that cell." },
		{ "cellsrv_peer_reconnects_total", "counter", "Connections to that cell after the first." },
		{ "cellsrv_peer_lines_out_total", "counter", "Peer lines sent to that cell." },
		{ "cellsrv_peer_dropped_lines_total", "counter",
		  "Peer lines for that cell dropped: link down or its buffer full." },
		{ "cellsrv_peer_beats_out_total", "counter",
		  "Heartbeats written on the links from that cell (none while lines go to it)." },
	};
	struct rusage ru;
	char labels[512];
	double rss;
	size_t i;
	int m;

	getrusage(RUSAGE_SELF, &ru);
	prom_head(b, "cellstress_host_info", "gauge",
	    "Who answers: the inventory's host and cell, the address and port served, the build, "
	    "and a random id of this process.");
	snprintf(labels, sizeof labels, "name=\"%s\",cell=\"%lld\",addr=\"%s\",port=\"%d\",build=\"%s\","
	    "instance=\"%s\"", self->name, self->cell, cfg.addr, cfg.http_port, CS_BUILD, me.instance);
	prom_val(b, "cellstress_host_info", labels, 1);
	prom_one(b, "process_start_time_seconds", "gauge", "When cellsrv started (Unix time).", me.start);

	prom_head(b, "cellsrv_sends_total", "counter",
	    "SEND requests by result (accepted counts ids that advanced SendId).");
	for (i = 0; i < 4; i++) {
		snprintf(labels, sizeof labels, "result=\"%s\"", status[i]);
		prom_val(b, "cellsrv_sends_total", labels, (double)(i == 3 ? st.accepted : st.sends[i]));
	}
	counter(b, "cellsrv_deliveries_total", "Messages delivered to an inbox of this cell.", st.delivered);
	counter(b, "cellsrv_delivery_duplicates_total", "DLVs of messages already delivered (acked again).",
	    st.dup_dlv);
	counter(b, "cellsrv_acks_total", "ACKs applied at this cell: its users' messages done.", st.acked);
	prom_one(b, "cellsrv_redis_inflight", "gauge", "Requests waiting on Redis.", (double)inflight);
	counter(b, "cellsrv_redis_calls_total", "Calls made to Redis.", st.redis_calls);
	counter(b, "cellsrv_redis_errors_total", "Error replies from Redis.", st.redis_errors);
	prom_one(b, "cellsrv_redis_up", "gauge", "1 while Redis is connected and the functions loaded.",
	    redis_ready);
	counter(b, "cellsrv_peer_lines_in_total", "Peer lines received from the other cells.", st.peer_in);
	counter(b, "cellsrv_peer_bad_lines_total", "Peer lines received that did not parse.", st.peer_bad);
	counter(b, "cellsrv_peer_dropped_far_total",
	    "Peer DLVs dropped, not parked: pair seq more than -w ahead.", st.peer_far);
	counter(b, "cellsrv_redis_reconnects_total", "Connections to Redis made after the first.",
	    st.redis_reconnects);
	prom_head(b, "cellsrv_redis_faults_total", "counter", "What kept Redis from taking calls, each time.");
	for (i = 0; i < RF_N; i++) {
		snprintf(labels, sizeof labels, "kind=\"%s\"", redis_fault_name[i]);
		prom_val(b, "cellsrv_redis_faults_total", labels, (double)st.redis_faults[i]);
	}
	counter(b, "cellsrv_peer_retried_calls_total", "cs_peer calls made again after a Redis fault.",
	    st.peer_retried);
	for (m = 0; m < (int)(sizeof peer_family / sizeof peer_family[0]); m++) {
		prom_head(b, peer_family[m].name, peer_family[m].type, peer_family[m].help);
		for (i = 0; i < inv.n; i++) {
			const struct peer *p = &peers[i];
			unsigned long long v[] = { (unsigned long long)p->up, p->connects,
			    p->connects > 1 ? p->connects - 1 : 0, p->lines, p->drops, p->beats_out };
			if (&inv.host[i] == self)
				continue;
			snprintf(labels, sizeof labels, "cell=\"%zu\"", i + 1);
			prom_val(b, peer_family[m].name, labels, (double)v[m]);
		}
	}
	prom_head(b, "cellsrv_http_responses_total", "counter", "HTTP answers by status code.");
	for (i = 100; i < 600; i++)
		if (st.http[i]) {
			snprintf(labels, sizeof labels, "code=\"%zu\"", i);
			prom_val(b, "cellsrv_http_responses_total", labels, (double)st.http[i]);
		}
	prom_hist(b, "cellsrv_send_ack_seconds",
	    "Time from a SEND accepted to its ACK applied (same-cell: the first bucket).",
	    lat_le, st.lat_buckets, lat_n, st.lat_sum);
	prom_one(b, "process_cpu_seconds_total", "counter", "CPU seconds of cellsrv, user and system.",
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	prom_one(b, "process_cpu_user_seconds_total", "counter", "User CPU seconds of cellsrv.",
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6);
	prom_one(b, "process_cpu_system_seconds_total", "counter", "System CPU seconds of cellsrv.",
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	if ((rss = procfs_rss("/proc", "self")) >= 0)
		prom_one(b, "process_resident_memory_bytes", "gauge", "Resident memory of cellsrv.", rss);
	prom_one(b, "process_max_resident_memory_bytes", "gauge", "Peak resident memory of cellsrv.",
	    (double)ru.ru_maxrss * 1024);
	node_text(b);
	info_text(b);
	aof_text(b);
}
