/*
 * pagemap-scan: answers PAGEMAP_SCAN queries (Linux 6.7+) for delve-kernel, which cannot
 * call ioctl from Node. It stays running and serves one request per stdin line:
 *
 *   PID START END [START END ...]      (hexadecimal, page aligned)
 *
 * and answers on stdout with little-endian u64s: N, then N runs (start, end, categories)
 * of pages that are present or swapped; or ~0 and an errno when the scan fails.
 * Built by src/pages/build-pagemap-scan.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* From linux/fs.h (6.7); older headers lack them. */
struct page_region { uint64_t start, end, categories; };
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#define PAGE_IS_PFNZERO (1 << 5)
#define PAGE_IS_HUGE (1 << 6)
#define PAGE_IS_SOFT_DIRTY (1 << 7)

#define VEC 8192

static struct page_region vec[VEC];
static uint64_t *out;
static size_t out_len, out_cap;

static void put(uint64_t v) {
	if (out_len == out_cap) {
		out_cap = out_cap ? out_cap * 2 : 4096;
		out = realloc(out, out_cap * sizeof *out);
		if (!out) exit(2);
	}
	out[out_len++] = v;
}

static void write_all(const void *p, size_t n) {
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(1, c, n);
		if (w < 0) { if (errno == EINTR) continue; exit(1); }
		c += w; n -= (size_t)w;
	}
}

static void fail(int err) {
	uint64_t frame[2] = { ~(uint64_t)0, (uint64_t)err };
	write_all(frame, sizeof frame);
}

static int scan(int fd, uint64_t start, uint64_t end) {
	struct pm_scan_arg arg;
	while (start < end) {
		memset(&arg, 0, sizeof arg);
		arg.size = sizeof arg;
		arg.start = start;
		arg.end = end;
		arg.vec = (uint64_t)(uintptr_t)vec;
		arg.vec_len = VEC;
		arg.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
		arg.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE | PAGE_IS_HUGE | PAGE_IS_SOFT_DIRTY | PAGE_IS_PFNZERO;
		long n = ioctl(fd, PAGEMAP_SCAN, &arg);
		if (n < 0) { if (errno == EINTR) continue; return errno; }
		for (long i = 0; i < n; i++) { put(vec[i].start); put(vec[i].end); put(vec[i].categories); }
		/* The walk can stop short of END (a full vector, or the kernel's own limits): go on from there. */
		if (arg.walk_end <= start) break;
		start = arg.walk_end;
	}
	return 0;
}

int main(void) {
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		char *p = line, *q;
		long pid = strtol(p, &q, 16);
		if (q == p) { fail(EINVAL); continue; }
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/pagemap", pid);
		int fd = open(path, O_RDONLY);
		if (fd < 0) { fail(errno); continue; }
		out_len = 0;
		int err = 0;
		for (p = q;;) {
			uint64_t start = strtoull(p, &q, 16);
			if (q == p) break;
			p = q;
			uint64_t end = strtoull(p, &q, 16);
			if (q == p) { err = EINVAL; break; }
			p = q;
			if ((err = scan(fd, start, end)) != 0) break;
		}
		close(fd);
		if (err) { fail(err); continue; }
		uint64_t count = out_len / 3;
		write_all(&count, sizeof count);
		write_all(out, out_len * sizeof *out);
	}
	return 0;
}
