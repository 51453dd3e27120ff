/* metrics.c: what cellsrv counts and how /metrics shows it (Prometheus
 * text format). The counters are one struct the other rooms add to. The
 * SEND-to-ACK latency is measured here: a SEND accepted for another cell
 * starts a clock, kept in a small table keyed by (sender, message id), that
 * its ACK stops when applied; a SEND within the cell is acked in the call
 * that accepts it and counts in the first bucket. */
#include <sys/resource.h>

#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>

#include "cellsrv.h"
#include "clock.h"

#define LAT_SLOTS (1 << 16)            /* send timestamps kept for latency */

struct stats st;

static const double lat_bounds[] = { .0005, .001, .002, .005, .01, .02, .05,
	.1, .2, .5, 1, 2, 5, 10, 30 };
#define NBOUNDS (sizeof lat_bounds / sizeof lat_bounds[0])

static struct {
	long long u, k;
	double    t;
} lat[LAT_SLOTS];

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
	unsigned s = lat_slot(u, k), b;
	double d;

	if (lat[s].u != u || lat[s].k != k)
		return;
	lat[s].u = 0;
	d = cs_now() - lat[s].t;
	for (b = 0; b < NBOUNDS && d > lat_bounds[b]; b++)
		;
	st.lat_buckets[b]++;
	st.lat_count++;
	st.lat_sum += d;
}

void
lat_local(unsigned long long n)
{
	st.lat_buckets[0] += n;
	st.lat_count += n;
}

void
metrics_text(struct evbuffer *b)
{
	static const char *status[] = { "duplicate", "retransmitted", "parked", "accepted" };
	struct rusage ru;
	unsigned long long cum = 0;
	size_t i;
	int m;

	getrusage(RUSAGE_SELF, &ru);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_sends_total SEND requests by result (accepted counts ids that advanced SendId).\n"
	    "# TYPE cellsrv_sends_total counter\n");
	for (i = 0; i < 4; i++)
		evbuffer_add_printf(b, "cellsrv_sends_total{result=\"%s\"} %llu\n", status[i],
		    i == 3 ? st.accepted : st.sends[i]);
	evbuffer_add_printf(b,
	    "# TYPE cellsrv_deliveries_total counter\ncellsrv_deliveries_total %llu\n"
	    "# TYPE cellsrv_delivery_duplicates_total counter\ncellsrv_delivery_duplicates_total %llu\n"
	    "# TYPE cellsrv_acks_total counter\ncellsrv_acks_total %llu\n"
	    "# TYPE cellsrv_redis_inflight gauge\ncellsrv_redis_inflight %lld\n"
	    "# TYPE cellsrv_redis_calls_total counter\ncellsrv_redis_calls_total %llu\n"
	    "# TYPE cellsrv_redis_errors_total counter\ncellsrv_redis_errors_total %llu\n"
	    "# TYPE cellsrv_redis_up gauge\ncellsrv_redis_up %d\n"
	    "# TYPE cellsrv_peer_lines_in_total counter\ncellsrv_peer_lines_in_total %llu\n"
	    "# TYPE cellsrv_peer_bad_lines_total counter\ncellsrv_peer_bad_lines_total %llu\n"
	    "# HELP cellsrv_peer_dropped_far_total Peer DLVs dropped, not parked: pair seq more than -w ahead.\n"
	    "# TYPE cellsrv_peer_dropped_far_total counter\ncellsrv_peer_dropped_far_total %llu\n",
	    st.delivered, st.dup_dlv, st.acked, inflight, st.redis_calls, st.redis_errors,
	    redis_ready, st.peer_in, st.peer_bad, st.peer_far);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_redis_reconnects_total connections to Redis made after the first.\n"
	    "# TYPE cellsrv_redis_reconnects_total counter\ncellsrv_redis_reconnects_total %llu\n"
	    "# HELP cellsrv_redis_faults_total what kept Redis from taking calls, each time.\n"
	    "# TYPE cellsrv_redis_faults_total counter\n", st.redis_reconnects);
	for (i = 0; i < RF_N; i++)
		evbuffer_add_printf(b, "cellsrv_redis_faults_total{kind=\"%s\"} %llu\n",
		    redis_fault_name[i], st.redis_faults[i]);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_peer_retried_calls_total cs_peer calls made again after a Redis fault.\n"
	    "# TYPE cellsrv_peer_retried_calls_total counter\ncellsrv_peer_retried_calls_total %llu\n",
	    st.peer_retried);
	for (m = 0; m < 5; m++) {
		static const char *name[] = { "peer_up gauge", "peer_connects_total counter",
		    "peer_reconnects_total counter", "peer_lines_out_total counter",
		    "peer_dropped_lines_total counter" };
		int nl = (int)strcspn(name[m], " ");
		evbuffer_add_printf(b, "# TYPE cellsrv_%.*s %s\n", nl, name[m], name[m] + nl + 1);
		for (i = 0; i < inv.n; i++) {
			const struct peer *p = &peers[i];
			unsigned long long v[] = { (unsigned long long)p->up, p->connects,
			    p->connects > 1 ? p->connects - 1 : 0, p->lines, p->drops };
			if (&inv.host[i] != self)
				evbuffer_add_printf(b, "cellsrv_%.*s{cell=\"%zu\"} %llu\n", nl, name[m],
				    i + 1, v[m]);
		}
	}
	evbuffer_add_printf(b, "# TYPE cellsrv_http_responses_total counter\n");
	for (i = 100; i < 600; i++)
		if (st.http[i])
			evbuffer_add_printf(b, "cellsrv_http_responses_total{code=\"%zu\"} %llu\n", i,
			    st.http[i]);
	evbuffer_add_printf(b,
	    "# HELP cellsrv_send_ack_seconds time from a SEND accepted to its ACK applied.\n"
	    "# TYPE cellsrv_send_ack_seconds histogram\n");
	for (i = 0; i <= NBOUNDS; i++) {
		cum += st.lat_buckets[i];
		if (i < NBOUNDS)
			evbuffer_add_printf(b, "cellsrv_send_ack_seconds_bucket{le=\"%g\"} %llu\n",
			    lat_bounds[i], cum);
		else
			evbuffer_add_printf(b, "cellsrv_send_ack_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	evbuffer_add_printf(b,
	    "cellsrv_send_ack_seconds_sum %.6f\ncellsrv_send_ack_seconds_count %llu\n"
	    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n"
	    "# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total %.6f\n"
	    "# TYPE process_cpu_system_seconds_total counter\nprocess_cpu_system_seconds_total %.6f\n"
	    "# TYPE process_max_resident_memory_bytes gauge\nprocess_max_resident_memory_bytes %ld\n",
	    st.lat_sum, st.lat_count,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss * 1024L);
}
