/* Per-request bump allocator. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"

static int arena_setup(void **state)
{
	static struct arena a;
	a.head = NULL;
	*state = &a;
	return 0;
}

static int arena_teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static int aligned(const void *p)
{
	return (uintptr_t)p % alignof(max_align_t) == 0;
}

static void test_alloc_returns_usable_memory(void **state)
{
	struct arena *a = *state;
	char *p = arena_alloc(a, 100);
	assert_non_null(p);
	memset(p, 0xab, 100);
	char *q = arena_alloc(a, 100);
	assert_true(q >= p + 100 || q + 100 <= p);
	assert_int_equal((unsigned char)p[99], 0xab);
}

static void test_alloc_pointers_aligned(void **state)
{
	struct arena *a = *state;
	const size_t sizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 33, 100, 1, 0, 5};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		assert_true(aligned(arena_alloc(a, sizes[i])));
	/* Aligned enough to hold any scalar. */
	long double *ld = arena_alloc(a, sizeof *ld);
	*ld = 1.5L;
	assert_true(*ld == 1.5L);
}

static void test_many_allocations_across_blocks(void **state)
{
	struct arena *a = *state;
	/* 2,000 x 100 bytes is far more than one 16 KiB block. */
	enum { N = 2000, SIZE = 100 };
	static unsigned char *ptrs[N];
	for (int i = 0; i < N; i++) {
		ptrs[i] = arena_alloc(a, SIZE);
		assert_non_null(ptrs[i]);
		assert_true(aligned(ptrs[i]));
		memset(ptrs[i], i & 0xff, SIZE);
	}
	/* Nothing overwrote anything. */
	for (int i = 0; i < N; i++)
		for (int k = 0; k < SIZE; k++)
			assert_int_equal(ptrs[i][k], i & 0xff);
}

static void test_allocation_larger_than_block(void **state)
{
	struct arena *a = *state;
	char *small = arena_alloc(a, 10);
	memcpy(small, "before", 7);
	size_t big_size = 100 * 1024;
	unsigned char *big = arena_alloc(a, big_size);
	assert_non_null(big);
	assert_true(aligned(big));
	memset(big, 0x5a, big_size);
	assert_int_equal(big[0], 0x5a);
	assert_int_equal(big[big_size - 1], 0x5a);
	char *after = arena_alloc(a, 10);
	memcpy(after, "after", 6);
	assert_string_equal(small, "before");
	assert_string_equal(after, "after");
	assert_int_equal(big[big_size - 1], 0x5a);
}

static void test_exact_block_size_allocation(void **state)
{
	struct arena *a = *state;
	unsigned char *p = arena_alloc(a, 16 * 1024);
	memset(p, 1, 16 * 1024);
	unsigned char *q = arena_alloc(a, 1);
	*q = 2;
	assert_int_equal(p[16 * 1024 - 1], 1);
}

static void test_strdup_and_strndup(void **state)
{
	struct arena *a = *state;
	char *s = arena_strdup(a, "hello");
	assert_string_equal(s, "hello");
	char *n = arena_strndup(a, "hello world", 5);
	assert_string_equal(n, "hello");
	char *e = arena_strndup(a, "", 0);
	assert_string_equal(e, "");
	char *w = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(w, "a\0b", 4);
}

static void test_reset_then_reuse(void **state)
{
	struct arena *a = *state;
	char *first = arena_alloc(a, 64);
	for (int i = 0; i < 1000; i++)
		arena_alloc(a, 200);
	arena_alloc(a, 50 * 1024);
	arena_reset(a);
	/* The first block is kept: the next request starts in it. */
	char *again = arena_alloc(a, 64);
	assert_ptr_equal(again, first);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 500; i++) {
			char *p = arena_strdup(a, "reused");
			assert_string_equal(p, "reused");
		}
		arena_reset(a);
	}
	assert_string_equal(arena_strdup(a, "still works"), "still works");
}

static void test_reset_of_empty_arena(void **state)
{
	struct arena *a = *state;
	arena_reset(a);
	assert_null(a->head);
	assert_non_null(arena_alloc(a, 8));
}

static void test_free_then_reuse(void **state)
{
	struct arena *a = *state;
	arena_alloc(a, 10);
	arena_alloc(a, 40 * 1024);
	arena_free(a);
	assert_null(a->head);
	assert_string_equal(arena_strdup(a, "fresh"), "fresh");
}

#define T(name) cmocka_unit_test_setup_teardown(name, arena_setup, arena_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_alloc_returns_usable_memory),
		T(test_alloc_pointers_aligned),
		T(test_many_allocations_across_blocks),
		T(test_allocation_larger_than_block),
		T(test_exact_block_size_allocation),
		T(test_strdup_and_strndup),
		T(test_reset_then_reuse),
		T(test_reset_of_empty_arena),
		T(test_free_then_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
