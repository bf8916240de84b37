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
 * each), then sleep on a condition variable. */
struct tc_pool {
  int n;              /* threads including the caller */
  pthread_t *threads;
  atomic_int gen;     /* bumped once per parallel op */
  atomic_int done;    /* workers finished with the current op */
  atomic_int sleepers;
  atomic_int stop;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  tc_task_fn fn;
  void *ctx;
  int64_t total, grain;
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

static void tc_share(int64_t total, int64_t grain, int parts, int index, int64_t *begin, int64_t *end) {
  int64_t units = (total + grain - 1) / grain;
  int64_t b = units * index / parts, e = units * (index + 1) / parts;
  *begin = b * grain < total ? b * grain : total;
  *end = e * grain < total ? e * grain : total;
}

static void *tc_worker(void *argp) {
  tc_worker_arg *arg = (tc_worker_arg *)argp;
  tc_pool *p = arg->pool;
  int seen = 0;
  for (;;) {
    int spins = 0;
    while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) {
      if (++spins < (1 << 14)) {
        tc_cpu_relax();
        continue;
      }
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) break;
    seen = atomic_load(&p->gen);
    int64_t b, e;
    tc_share(p->total, p->grain, p->n, arg->index, &b, &e);
    if (b < e) p->fn(p->ctx, b, e, arg->index);
    atomic_fetch_add(&p->done, 1);
  }
  free(arg);
  return NULL;
}

tc_pool *tc_pool_create(int n) {
  tc_pool *p = (tc_pool *)calloc(1, sizeof(tc_pool));
  if (!p) return NULL;
  p->n = n < 1 ? 1 : n;
  atomic_init(&p->gen, 0);
  atomic_init(&p->done, 0);
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
  if (!p || p->n == 1 || total <= grain) {
    fn(ctx, 0, total, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->total = total;
  p->grain = grain;
  atomic_store(&p->done, 0);
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  int64_t b, e;
  tc_share(total, grain, p->n, 0, &b, &e);
  if (b < e) fn(ctx, b, e, 0);
  while (atomic_load(&p->done) < p->n - 1) tc_cpu_relax();
}
