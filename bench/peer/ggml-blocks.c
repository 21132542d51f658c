// ggml-blocks: ggml's own block codecs on raw files, so our Quantization/ can be compared with them bit for bit.
//
// usage: ggml-blocks dequantize TYPE IN.bin VALUES OUT.f32      (TYPE: the ggml type number, as GGUF stores it)
//        ggml-blocks quantize   TYPE IN.f32 ROW_LENGTH OUT.bin  (what llama-quantize writes without an imatrix)

#include "ggml.h"
#include "ggml-cpu.h"

#include <stdio.h>
#include <stdlib.h>

static void * read_all(const char * path, size_t * size) {
    FILE * f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    *size = (size_t) ftell(f);
    fseek(f, 0, SEEK_SET);
    void * data = malloc(*size ? *size : 1);
    if (fread(data, 1, *size, f) != *size) { perror(path); exit(1); }
    fclose(f);
    return data;
}

static void write_all(const char * path, const void * data, size_t size) {
    FILE * f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) { perror(path); exit(1); }
    fclose(f);
}

int main(int argc, char ** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: ggml-blocks dequantize|quantize TYPE IN COUNT OUT\n");
        return 1;
    }
    enum ggml_type type = (enum ggml_type) atoi(argv[2]);
    long count = atol(argv[4]);
    size_t size;
    void * input = read_all(argv[3], &size);
    if (argv[1][0] == 'd') {
        float * output = malloc(sizeof(float) * count);
        ggml_get_type_traits(type)->to_float(input, output, count);
        write_all(argv[5], output, sizeof(float) * count);
    } else {
        long rows = (long) (size / sizeof(float)) / count;
        size_t bytes = ggml_row_size(type, count) * rows;
        void * output = malloc(bytes);
        ggml_quantize_chunk(type, input, output, 0, rows, count, NULL);
        write_all(argv[5], output, bytes);
    }
    return 0;
}
