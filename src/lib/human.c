/* human.c: the number formats of human.h. */
#include <math.h>
#include <stdio.h>

#include "human.h"

/* v with one of the suffixes k M G T at base, 3 significant digits. */
static char *
scaled(double v, double base, char *buf, size_t size)
{
	static const char suffix[] = " kMGTP";
	int i = 0;

	if (isnan(v)) {
		snprintf(buf, size, "-");
		return buf;
	}
	while (fabs(v) >= 999.5 && i < 5) {
		v /= base;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, fabs(v) < 9.995 ? "%.2f%c" : fabs(v) < 99.95 ? "%.1f%c" : "%.0f%c",
		    v, suffix[i]);
	return buf;
}

char *
human_count(double v, char *buf, size_t size)
{
	return scaled(v, 1000, buf, size);
}

char *
human_bytes(double v, char *buf, size_t size)
{
	return scaled(v, 1024, buf, size);
}

char *
human_secs(double s, char *buf, size_t size)
{
	if (isnan(s) || s < 0)
		snprintf(buf, size, "-");
	else if (s < 99.5)
		snprintf(buf, size, "%.0f s", s);
	else if (s < 5940)
		snprintf(buf, size, "%.0f min", s / 60);
	else
		snprintf(buf, size, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
	return buf;
}

char *
human_latency(double s, char *buf, size_t size)
{
	if (isnan(s) || s < 0)
		snprintf(buf, size, "-");
	else if (s == 0)
		snprintf(buf, size, "0");
	else if (s < 0.001)
		snprintf(buf, size, "%.2f ms", s * 1000);
	else if (s < 0.01)
		snprintf(buf, size, "%.1f ms", s * 1000);
	else if (s < 0.9995)
		snprintf(buf, size, "%.0f ms", s * 1000);
	else
		snprintf(buf, size, "%.1f s", s);
	return buf;
}
