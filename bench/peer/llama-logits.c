// llama-logits: evaluates a token list as one prompt batch through libllama and writes the logits of
// every position as a float32 .npy array of shape (n_tokens, n_vocab).
//
// usage: llama-logits MODEL.gguf 1,2,3 out.npy [threads]
//
// The KV cache is kept in F32 and flash attention is off so that the only rounding llama.cpp adds
// beyond the weights' own quantization is its activation quantization inside the matmuls.

#include "llama.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet_log(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    if (level == GGML_LOG_LEVEL_ERROR) {
        fputs(text, stderr);
    }
}

static int fail(const char * message, const char * detail) {
    fprintf(stderr, "llama-logits: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    return 1;
}

// Parses "1,2,3" into a freshly allocated array; returns the count, or -1 on malformed input.
static int parse_tokens(const char * text, llama_token ** tokens_out) {
    int capacity = 1;
    for (const char * c = text; *c; c++) {
        if (*c == ',') capacity++;
    }
    llama_token * tokens = malloc(sizeof(llama_token) * (size_t) capacity);
    int count = 0;
    const char * cursor = text;
    while (*cursor) {
        char * end = NULL;
        errno = 0;
        long value = strtol(cursor, &end, 10);
        if (end == cursor || errno != 0 || value < 0 || value > INT32_MAX || (*end != ',' && *end != '\0')) {
            free(tokens);
            return -1;
        }
        tokens[count++] = (llama_token) value;
        cursor = *end == ',' ? end + 1 : end;
    }
    *tokens_out = tokens;
    return count;
}

// Writes a version 1.0 .npy header (little-endian float32, C order) padded to a multiple of 64 bytes.
static int write_npy(const char * path, const float * data, int rows, int cols) {
    FILE * file = fopen(path, "wb");
    if (!file) return -1;
    char dict[128];
    int dict_len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols);
    int header_len = 10 + dict_len + 1;
    int padding = (64 - header_len % 64) % 64;
    uint16_t dict_field = (uint16_t) (dict_len + padding + 1);
    const unsigned char magic[8] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
    unsigned char dict_field_le[2] = { (unsigned char) (dict_field & 0xff), (unsigned char) (dict_field >> 8) };
    fwrite(magic, 1, sizeof magic, file);
    fwrite(dict_field_le, 1, 2, file);
    fwrite(dict, 1, (size_t) dict_len, file);
    for (int i = 0; i < padding; i++) fputc(' ', file);
    fputc('\n', file);
    size_t count = (size_t) rows * (size_t) cols;
    size_t written = fwrite(data, sizeof(float), count, file);
    return (fclose(file) == 0 && written == count) ? 0 : -1;
}

int main(int argc, char ** argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: llama-logits MODEL.gguf TOKEN,TOKEN,... OUT.npy [threads]\n");
        return 1;
    }
    const char * model_path = argv[1];
    const char * out_path = argv[3];
    int threads = argc == 5 ? atoi(argv[4]) : 2;
    if (threads < 1) return fail("threads must be a positive integer", argv[4]);

    llama_token * tokens = NULL;
    int n_tokens = parse_tokens(argv[2], &tokens);
    if (n_tokens <= 0) return fail("tokens must be a comma-separated list of non-negative integers", argv[2]);

    llama_log_set(quiet_log, NULL);
    llama_backend_init();

    struct llama_model_params model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    // LLAMA_NO_EXTRA_BUFTS=1: no repacked or AMX weight buffers. A -march=native build on a CPU that reports AMX
    // but whose kernel or hypervisor grants no tile state dies of SIGILL in the AMX matmul without it.
    const char * no_extra = getenv("LLAMA_NO_EXTRA_BUFTS");
    if (no_extra && no_extra[0] == '1') {
        model_params.use_extra_bufts = false;
    }
    struct llama_model * model = llama_model_load_from_file(model_path, model_params);
    if (!model) return fail("could not load model", model_path);

    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    int n_vocab = llama_vocab_n_tokens(vocab);
    for (int i = 0; i < n_tokens; i++) {
        if (tokens[i] >= n_vocab) return fail("token id out of vocabulary range", argv[2]);
    }

    struct llama_context_params context_params = llama_context_default_params();
    context_params.n_ctx = (uint32_t) n_tokens;
    context_params.n_batch = (uint32_t) n_tokens;
    context_params.n_ubatch = (uint32_t) n_tokens;
    context_params.n_seq_max = 1;
    context_params.n_threads = threads;
    context_params.n_threads_batch = threads;
    context_params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    context_params.type_k = GGML_TYPE_F32;
    context_params.type_v = GGML_TYPE_F32;
    context_params.no_perf = true;
    struct llama_context * context = llama_init_from_model(model, context_params);
    if (!context) return fail("could not create a context", model_path);

    struct llama_batch batch = llama_batch_init(n_tokens, 0, 1);
    batch.n_tokens = n_tokens;
    for (int i = 0; i < n_tokens; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    int status = llama_decode(context, batch);
    if (status != 0) {
        char detail[32];
        snprintf(detail, sizeof detail, "status %d", status);
        return fail("llama_decode failed", detail);
    }

    float * logits = malloc(sizeof(float) * (size_t) n_tokens * (size_t) n_vocab);
    for (int i = 0; i < n_tokens; i++) {
        const float * row = llama_get_logits_ith(context, i);
        if (!row) return fail("llama.cpp returned no logits for a position", NULL);
        memcpy(logits + (size_t) i * (size_t) n_vocab, row, sizeof(float) * (size_t) n_vocab);
    }
    if (write_npy(out_path, logits, n_tokens, n_vocab) != 0) return fail("could not write", out_path);

    free(logits);
    free(tokens);
    llama_batch_free(batch);
    llama_free(context);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
