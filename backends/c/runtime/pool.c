/* Aligned allocation and the thread pool that runs the kernels. */
#include "ternc_runtime.h"

void *tc_alloc(size_t bytes) {
  void *p = NULL;
  if (bytes == 0) bytes = TC_ALIGN;
  if (posix_memalign(&p, TC_ALIGN, (bytes + TC_ALIGN - 1) / TC_ALIGN * TC_ALIGN) != 0) return NULL;
  memset(p, 0, bytes);
  return p;
}

/* Workers spin briefly between ops (a decode step runs a few hundred parallel ops, too many to pay a futex wake
 * each), then sleep on a condition variable. An op's items are taken in chunks (about 4 a thread) from one atomic
 * word that also holds the op's generation, and the caller waits only for chunks taken, not for every worker: when
 * another process has a worker's core, the caller and the other workers take its chunks, and a worker that wakes
 * late finds the op gone (its generation changed) instead of holding everyone up. */
/* Atomic (relaxed) because a late worker may read an op's slot while the caller refills it for a newer op: it
 * then fails to take a chunk and drops what it read. */
typedef struct {
  _Atomic(tc_task_fn) fn;
  _Atomic(void *) ctx;
  atomic_llong total, chunk;
} tc_pool_op;

struct tc_pool {
  int n; /* threads including the caller */
  pthread_t *threads;
  atomic_ullong work;      /* (generation << 32) | the first item no thread has taken */
  atomic_llong completed;  /* items of the current op finished */
  atomic_int sleepers;
  atomic_int stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  tc_pool_op op[2];        /* by generation & 1: a late worker reads its own op's fields, never the next one's */
};

typedef struct {
  tc_pool *pool;
  int index;
} tc_worker_arg;

static inline void tc_cpu_relax(void) {
#if defined(TC_AVX2) || defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline uint32_t tc_generation(unsigned long long w) { return (uint32_t)(w >> 32); }

/* Takes and runs chunks of op `gen` until none is left or a newer op has replaced it. A successful take proves the
 * op was still current after its fields were read, so they were this op's. */
static void tc_run_chunks(tc_pool *p, uint32_t gen, int index) {
  unsigned long long w = atomic_load(&p->work);
  while (tc_generation(w) == gen) {
    tc_pool_op *op = &p->op[gen & 1];
    const tc_task_fn fn = atomic_load_explicit(&op->fn, memory_order_relaxed);
    void *const ctx = atomic_load_explicit(&op->ctx, memory_order_relaxed);
    const int64_t total = atomic_load_explicit(&op->total, memory_order_relaxed), chunk = atomic_load_explicit(&op->chunk, memory_order_relaxed);
    const int64_t b = (int64_t)(w & 0xffffffffu);
    if (b >= total) return;
    const int64_t e = b + chunk < total ? b + chunk : total;
    if (!atomic_compare_exchange_weak(&p->work, &w, ((unsigned long long)gen << 32) | (unsigned long long)e)) continue;
    fn(ctx, b, e, index);
    atomic_fetch_add(&p->completed, e - b);
    w = atomic_load(&p->work);
  }
}

static void *tc_worker(void *argp) {
  tc_worker_arg *arg = (tc_worker_arg *)argp;
  tc_pool *p = arg->pool;
  uint32_t seen = 0;
  for (;;) {
    int spins = 0;
    while (tc_generation(atomic_load(&p->work)) == seen && !atomic_load(&p->stop)) {
      if (++spins < (1 << 14)) {
        tc_cpu_relax();
        continue;
      }
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while (tc_generation(atomic_load(&p->work)) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) break;
    seen = tc_generation(atomic_load(&p->work));
    tc_run_chunks(p, seen, arg->index);
  }
  free(arg);
  return NULL;
}

tc_pool *tc_pool_create(int n) {
  tc_pool *p = (tc_pool *)calloc(1, sizeof(tc_pool));
  if (!p) return NULL;
  p->n = n < 1 ? 1 : n;
  atomic_init(&p->work, 0);
  atomic_init(&p->completed, 0);
  atomic_init(&p->sleepers, 0);
  atomic_init(&p->stop, 0);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  p->threads = (pthread_t *)calloc((size_t)p->n, sizeof(pthread_t));
  if (!p->threads) {
    free(p);
    return NULL;
  }
  for (int i = 1; i < p->n; i++) {
    tc_worker_arg *a = (tc_worker_arg *)malloc(sizeof(tc_worker_arg));
    if (a) {
      a->pool = p;
      a->index = i;
    }
    if (!a || pthread_create(&p->threads[i], NULL, tc_worker, a) != 0) {
      free(a);
      p->n = i; /* run with the threads we got */
      break;
    }
  }
  return p;
}

int tc_pool_size(const tc_pool *p) { return p->n; }

void tc_pool_free(tc_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  free(p->threads);
  free(p);
}

void tc_parallel(tc_pool *p, int64_t total, int64_t grain, tc_task_fn fn, void *ctx) {
  if (total <= 0) return;
  if (grain < 1) grain = 1;
  if (!p || p->n == 1 || total <= grain || total > 0x7fffffff) {
    fn(ctx, 0, total, 0);
    return;
  }
  const uint32_t gen = tc_generation(atomic_load(&p->work)) + 1;
  tc_pool_op *op = &p->op[gen & 1];
  const int64_t grains = (total + grain - 1) / grain, per = (grains + 4 * p->n - 1) / (4 * p->n);
  atomic_store_explicit(&op->fn, fn, memory_order_relaxed);
  atomic_store_explicit(&op->ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&op->total, total, memory_order_relaxed);
  atomic_store_explicit(&op->chunk, per * grain, memory_order_relaxed);
  atomic_store(&p->completed, 0);
  atomic_store(&p->work, (unsigned long long)gen << 32);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  tc_run_chunks(p, gen, 0);
  while (atomic_load(&p->completed) < total) tc_cpu_relax();
}
