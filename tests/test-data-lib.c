/* test-data-lib.c: unit tests of the library parts the data tools added:
 * prng.h (splitmix64 reference values, bounds, shuffles), cs_utoa, and the
 * block mode of the line reader (lines_init_block) against getline mode.
 * TAP output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "num.h"
#include "prng.h"
#include "helper/testhelp.h"

static void
test_prng(void)
{
	struct prng p = { 1234567 }, a, b;
	uint64_t counts[10] = { 0 }, i, v, lo = UINT64_MAX, hi = 0;
	uint32_t perm[1000], seen[1000];
	int good = 1;

	/* splitmix64's published sequence from state 1234567. */
	ok(prng_next(&p) == 6457827717110365317ULL, "splitmix64 1st value from 1234567");
	ok(prng_next(&p) == 3203168211198807973ULL, "splitmix64 2nd value");
	ok(prng_next(&p) == 9817491932198370423ULL, "splitmix64 3rd value");

	prng_seed(&a, 1, 42);
	prng_seed(&b, 1, 42);
	for (i = 0; i < 100; i++)
		if (prng_next(&a) != prng_next(&b))
			good = 0;
	ok(good, "same (seed, stream): same sequence");
	prng_seed(&a, 1, 42);
	prng_seed(&b, 1, 43);
	ok(prng_next(&a) != prng_next(&b), "neighbouring streams differ");
	prng_seed(&a, 1, 42);
	prng_seed(&b, 2, 42);
	ok(prng_next(&a) != prng_next(&b), "another seed differs");

	prng_seed(&a, 7, 0);
	for (i = 0; i < 100000; i++) {
		v = prng_below(&a, 10);
		if (v >= 10)
			good = 0;
		else
			counts[v]++;
	}
	for (i = 0; i < 10; i++)
		if (counts[i] < 9500 || counts[i] > 10500)
			good = 0;
	ok(good, "prng_below(10): in range, each value 9500..10500 of 100000");
	for (i = 0; i < 1000; i++) {
		v = prng_below(&a, 3);
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ok(lo == 0 && hi == 2, "prng_below(3) reaches 0 and 2");
	ok(prng_below(&a, 1) == 0, "prng_below(1) is 0");
	v = prng_below(&a, UINT64_MAX);
	ok(v < UINT64_MAX, "prng_below(2^64-1) in range");

	for (i = 0; i < 1000; i++)
		perm[i] = (uint32_t)i;
	prng_shuffle_u32(&a, perm, 1000);
	memset(seen, 0, sizeof seen);
	good = 1;
	for (i = 0; i < 1000; i++)
		if (perm[i] >= 1000 || seen[perm[i]]++)
			good = 0;
	ok(good, "shuffle is a permutation");
	for (i = 0, v = 0; i < 1000; i++)
		v += perm[i] == i;
	ok(v < 20, "shuffle moves almost everything");
}

static void
test_utoa(void)
{
	static const unsigned long long v[] = {
		0, 9, 10, 99, 100, 101, 999, 1000, 12345, 1000000000, 4294967295ULL,
		18446744073709551615ULL
	};
	char buf[32], want[32], *e;
	size_t i;
	int good = 1;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		e = cs_utoa(buf, v[i]);
		*e = '\0';
		snprintf(want, sizeof want, "%llu", v[i]);
		if (strcmp(buf, want) != 0) {
			good = 0;
			printf("# cs_utoa(%s) = %s\n", want, buf);
		}
	}
	ok(good, "cs_utoa of 0, 9, 10, 99, 100, ..., 2^64-1");
}

/* Write text to a temporary file and open it for reading. */
static FILE *
tmpfile_with(const char *text, size_t len)
{
	FILE *fp = tmpfile();

	if (fp == NULL || fwrite(text, 1, len, fp) != len || fseek(fp, 0, SEEK_SET) != 0) {
		perror("tmpfile");
		exit(1);
	}
	return fp;
}

static void
test_lines_block(void)
{
	struct lines a, b;
	char *text, *la, *lb;
	size_t len = 0, i, cap = 3 << 20;
	ssize_t na, nb;
	FILE *fa, *fb;
	int good = 1;
	unsigned long lines = 0;
	char last[8] = "";

	/* ~3 MB of lines of 0..99 bytes: many block boundaries, no final '\n'. */
	text = malloc(cap);
	for (i = 0; len + 120 < cap; i++) {
		size_t k, m = (i * 7919) % 100;
		for (k = 0; k < m; k++)
			text[len++] = (char)('a' + (i + k) % 26);
		text[len++] = '\n';
	}
	memcpy(text + len, "last", 4);
	len += 4;
	fa = tmpfile_with(text, len);
	fb = tmpfile_with(text, len);
	lines_init(&a, fa, "a", 128);
	lines_init_block(&b, fb, "b", 128);
	for (;;) {
		na = lines_next(&a, &la);
		nb = lines_next(&b, &lb);
		if (na != nb || (na >= 0 && memcmp(la, lb, (size_t)na) != 0) ||
		    (nb >= 0 && lb[nb] != '\0') || a.lineno != b.lineno) {
			good = 0;
			break;
		}
		if (na < 0)
			break;
		snprintf(last, sizeof last, "%s", lb);
		lines++;
	}
	ok(good && lines == i + 1, "block mode returns the same lines and numbers as getline mode");
	ok(strcmp(last, "last") == 0, "block mode returns a final line without newline");
	ok(lines_next(&b, &lb) == -1, "block mode: end of input stays end");
	lines_free(&a);
	lines_free(&b);
	fclose(fa);
	fclose(fb);
	free(text);

	fa = tmpfile_with("", 0);
	lines_init_block(&a, fa, "empty", 0);
	ok(lines_next(&a, &la) == -1 && a.lineno == 0, "block mode: empty input has no line");
	lines_free(&a);
	fclose(fa);
	fa = tmpfile_with("\n\nx\n", 4);
	lines_init_block(&a, fa, "blank", 0);
	na = lines_next(&a, &la);
	nb = lines_next(&a, &lb);
	ok(na == 0 && nb == 0 && lines_next(&a, &la) == 1 && la[0] == 'x' && a.lineno == 3,
	    "block mode: empty lines are lines");
	lines_free(&a);
	fclose(fa);
}

int
main(void)
{
	test_prng();
	test_utoa();
	test_lines_block();
	return done_testing();
}
