/*
 * make check: every file of a fuzz target's corpus goes through the target
 * once (the corpus holds the seeds and every crash ever found). Built with
 * the normal compiler, and with the sanitizers in ./quickstart test --sanitize.
 */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(void)
{
	const char *dir = CORPUS_DIR;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), done = 0;

	if (n < 0) {
		perror(dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		FILE *f;
		uint8_t *buf;
		long len;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			done++;
		}
		free(buf);
		fclose(f);
	}
	free(names);
	printf("%s: %d inputs replayed\n", dir, done);
	return done > 0 ? 0 : 1;
}
