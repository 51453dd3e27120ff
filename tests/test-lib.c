/* test-lib.c: unit tests of src/lib (cells, numbers, inventory, percent-encoding,
 * allocation), TAP output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cells.h"
#include "ealloc.h"
#include "inventory.h"
#include "num.h"
#include "pct.h"
#include "helper/testhelp.h"


static void
test_cells(void)
{
	long long lo, hi, k, uid, users, cells, total;
	int good = 1;

	cells_range(1000000, 40, 1, &lo, &hi);
	ok(lo == 1 && hi == 25000, "cell 1 of 1M/40 is 1..25000");
	cells_range(1000000, 40, 40, &lo, &hi);
	ok(lo == 975001 && hi == 1000000, "cell 40 of 1M/40 is 975001..1000000");
	cells_range(10, 4, 4, &lo, &hi);
	ok(lo == 10 && hi == 10, "cell 4 of 10/4 is 10..10 (ceil split)");
	ok(cells_check(9, 4) != NULL, "9 users in 4 cells refused (last cell empty)");
	ok(cells_check(10, 4) == NULL, "10 users in 4 cells accepted");
	ok(cells_check(3, 4) != NULL, "more cells than users refused");
	ok(cells_check(0, 1) != NULL, "0 users refused");
	/* Every uid lands in the cell whose range holds it; ranges tile 1..users. */
	for (users = 1; users <= 60 && good; users++)
		for (cells = 1; cells <= users && good; cells++) {
			if (cells_check(users, cells) != NULL)
				continue;
			total = 0;
			for (k = 1; k <= cells; k++) {
				cells_range(users, cells, k, &lo, &hi);
				total += hi - lo + 1;
				for (uid = lo; uid <= hi; uid++)
					if (cells_of(users, cells, uid) != k)
						good = 0;
			}
			if (total != users)
				good = 0;
		}
	ok(good, "ranges tile 1..users and cells_of agrees, users 1..60");
}

static void
test_num(void)
{
	const char *e;

	ok(cs_strtonum("42", 1, 100, &e) == 42 && e == NULL, "strtonum 42");
	cs_strtonum("0", 1, 100, &e);
	ok(e && strcmp(e, "too small") == 0, "strtonum below min");
	cs_strtonum("101", 1, 100, &e);
	ok(e && strcmp(e, "too large") == 0, "strtonum above max");
	cs_strtonum("4x", 1, 100, &e);
	ok(e && strcmp(e, "invalid") == 0, "strtonum trailing junk");
	cs_strtonum(" 4", 1, 100, &e);
	ok(e != NULL, "strtonum leading space");
	cs_strtonum("99999999999999999999999", 1, 100, &e);
	ok(e && strcmp(e, "too large") == 0, "strtonum overflow");
	ok(cs_strntonum("123abc", 3, 0, 1000, &e) == 123 && e == NULL, "strntonum prefix");
	cs_strntonum("12a", 3, 0, 1000, &e);
	ok(e != NULL, "strntonum non-digit");
	cs_strntonum("", 0, 0, 1000, &e);
	ok(e != NULL, "strntonum empty");
	cs_strntonum("-1", 2, 0, 1000, &e);
	ok(e != NULL, "strntonum sign refused");
	cs_strntonum("184467440737095516160", 21, 0, 1000, &e);
	ok(e && strcmp(e, "too large") == 0, "strntonum overflow");
}

static void
test_inventory(void)
{
	char path[] = "/tmp/cs-inv-XXXXXX";
	struct inventory inv;
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");

	fprintf(fp, "# test\n\nh01 127.0.1.1 1 1 5\nh02 127.0.1.2 2 6 10 i-abc 1.2.3.4\n");
	fclose(fp);
	inventory_load(path, &inv);
	ok(inv.n == 2 && inv.users == 10, "inventory: 2 hosts, 10 users");
	ok(strcmp(inventory_cell(&inv, 2)->instance, "i-abc") == 0, "inventory: aws fields");
	ok(inventory_owner(&inv, 6) == &inv.host[1] && inventory_owner(&inv, 5) == &inv.host[0],
	    "inventory: owner lookup");
	ok(inventory_owner(&inv, 11) == NULL && inventory_cell(&inv, 3) == NULL,
	    "inventory: out of range is NULL");
	inventory_free(&inv);
	unlink(path);
}

static void
test_pct(void)
{
	static const char raw[] = "a-z.A_Z~09 /+%\x01\xff";
	char enc[3 * sizeof raw], dec[sizeof enc], *mem = NULL;
	size_t n, len = 0;
	long d;
	FILE *fp;

	n = pct_encode(enc, raw, sizeof raw - 1);
	ok(n == 28 && memcmp(enc, "a-z.A_Z~09%20%2F%2B%25%01%FF", n) == 0,
	    "pct_encode: unreserved kept, the rest %XX upper case");
	d = pct_decode(dec, enc, n, 0);
	ok(d == (long)sizeof raw - 1 && memcmp(dec, raw, (size_t)d) == 0, "pct_decode inverts pct_encode");
	ok(pct_decode(dec, "a+b", 3, 1) == 3 && memcmp(dec, "a b", 3) == 0, "pct_decode: + is a space");
	ok(pct_decode(dec, "a%2", 3, 0) < 0 && pct_decode(dec, "%zz", 3, 0) < 0 &&
	    pct_decode(dec, "%00", 3, 0) < 0, "pct_decode: short, bad and NUL escapes refused");
	n = pct_decode_lax(dec, "%41%zz%00+%4", 12);
	ok(n == 8 && memcmp(dec, "A%zz\0+%4", 8) == 0, "pct_decode_lax: bad escapes kept, %00 decoded");
	fp = open_memstream(&mem, &len);
	pct_fencode(fp, "a b/c", 5, 1);
	pct_fencode(fp, " ", 1, 0);
	for (n = 0; n < 600; n++)
		pct_fencode(fp, "\x80", 1, 0);
	fclose(fp);
	ok(len == 10 + 1800 && memcmp(mem, "a+b%2Fc%20", 10) == 0 && memcmp(mem + 1807, "%80", 3) == 0,
	    "pct_fencode: form encoding (+) and plain");
	free(mem);
}

static void
test_ealloc(void)
{
	char *p = ecalloc(0, 8), *s;

	ok(p != NULL, "ecalloc(0, 8) is not NULL");
	p = erealloc(p, 0);
	ok(p != NULL, "erealloc(p, 0) does not free p");
	p = ereallocarray(p, 1000, 1000);
	p[999999] = 1;
	ok(p[999999] == 1, "ereallocarray 1000 x 1000");
	free(p);
	s = easprintf("%s-%d", "cell", 7);
	ok(strcmp(s, "cell-7") == 0, "easprintf");
	free(s);
}

int
main(void)
{
	test_cells();
	test_num();
	test_inventory();
	test_pct();
	test_ealloc();
	return done_testing();
}
