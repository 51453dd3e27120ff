/* human.h: numbers as a person reads them on a terminal line or a plot
 * label: counts (21.3k, 64.2M), bytes (340M, 1.2G), durations (45 s,
 * 66 min, 2 h 04 min) and latencies (0.85 ms, 41 ms, 1.2 s). Each writes
 * into buf (16 bytes are enough) and returns it. */
#ifndef CS_HUMAN_H
#define CS_HUMAN_H

#include <stddef.h>

char *human_count(double v, char *buf, size_t size);
char *human_bytes(double v, char *buf, size_t size);
char *human_secs(double s, char *buf, size_t size);
char *human_latency(double s, char *buf, size_t size);

#endif
