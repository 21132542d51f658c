// llama-speed: llama-bench's pp and tg tests (random tokens, empty cache, llama_decode timed) through libllama,
// with extra buffer types switchable: on CPUs that report AMX but whose kernel or hypervisor grants no tile state,
// this build's llama-bench dies of SIGILL in the AMX matmul and has no option to avoid it.
//
// usage: llama-speed MODEL.gguf PROMPT GENERATE REPETITIONS THREADS EXTRA_BUFTS(0|1)
// prints: pp<PROMPT> mean sd, tg<GENERATE> mean sd (tokens/s)

#define _POSIX_C_SOURCE 199309L
#include "llama.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void quiet_log(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double run(struct llama_context * ctx, struct llama_batch * batch, int n_vocab, int count, int one_by_one) {
    llama_memory_clear(llama_get_memory(ctx), true);
    double start = now();
    for (int done = 0; done < count;) {
        int n = one_by_one ? 1 : count;
        batch->n_tokens = n;
        for (int i = 0; i < n; i++) {
            batch->token[i] = rand() % n_vocab;
            batch->pos[i] = done + i;
            batch->n_seq_id[i] = 1;
            batch->seq_id[i][0] = 0;
            batch->logits[i] = i == n - 1;
        }
        if (llama_decode(ctx, *batch) != 0) { fprintf(stderr, "llama-speed: llama_decode failed\n"); exit(1); }
        done += n;
    }
    llama_synchronize(ctx);
    return count / (now() - start);
}

static void report(const char * test, int count, struct llama_context * ctx, struct llama_batch * batch, int n_vocab, int reps, int one) {
    double sum = 0, squares = 0;
    run(ctx, batch, n_vocab, one ? 4 : count, one); // warm-up, as llama-bench
    for (int r = 0; r < reps; r++) {
        double tps = run(ctx, batch, n_vocab, count, one);
        sum += tps;
        squares += tps * tps;
    }
    double mean = sum / reps;
    printf("%s%d %.2f %.2f\n", test, count, mean, reps > 1 ? sqrt(fmax(0, (squares - reps * mean * mean) / (reps - 1))) : 0.0);
}

int main(int argc, char ** argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: llama-speed MODEL.gguf PROMPT GENERATE REPETITIONS THREADS EXTRA_BUFTS\n");
        return 1;
    }
    int prompt = atoi(argv[2]), generate = atoi(argv[3]), reps = atoi(argv[4]), threads = atoi(argv[5]);
    llama_log_set(quiet_log, NULL);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    mp.use_extra_bufts = argv[6][0] == '1';
    struct llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "llama-speed: cannot load %s\n", argv[1]); return 1; }
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) (prompt + generate + 16);
    cp.n_batch = cp.n_ubatch = (uint32_t) (prompt > 0 ? prompt : 1);
    cp.n_threads = cp.n_threads_batch = threads;
    struct llama_context * ctx = llama_init_from_model(model, cp);
    struct llama_batch batch = llama_batch_init(prompt > 0 ? prompt : 1, 0, 1);
    srand(1);
    if (prompt > 0) report("pp", prompt, ctx, &batch, n_vocab, reps, 0);
    if (generate > 0) report("tg", generate, ctx, &batch, n_vocab, reps, 1);
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
