#include "fg_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char msg_buf[1024];
static _Thread_local int msg_code;

int fg_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg_buf, sizeof(msg_buf), fmt, ap);
	va_end(ap);
	msg_code = code;
	return code;
}

const char *fg_error_msg(void)
{
	return msg_buf;
}

int fg_error_code(void)
{
	return msg_code;
}

void fg_error_clear(void)
{
	msg_buf[0] = '\0';
	msg_code = FG_OK;
}

int fg_error_exit_code(int code)
{
	switch (code) {
	case FG_OK: return FG_EXIT_OK;
	case FG_EUSAGE: return FG_EXIT_USAGE;
	case FG_EDATA: return FG_EXIT_DATA;
	case FG_ENOTFOUND: return FG_EXIT_NOTFOUND;
	case FG_EDRIFT: return FG_EXIT_DRIFT;
	case FG_EBUSY: return FG_EXIT_BUSY;
	case FG_EDROP: return FG_EXIT_DROP;
	default: return FG_EXIT_RUNTIME;
	}
}

const char *fg_error_name(int code)
{
	switch (code) {
	case FG_OK: return "ok";
	case FG_ENOMEM: return "out of memory";
	case FG_EIO: return "I/O error";
	case FG_EUSAGE: return "usage error";
	case FG_EDATA: return "input data error";
	case FG_EDB: return "database error";
	case FG_ENOTFOUND: return "not found";
	case FG_EBUSY: return "database busy";
	case FG_EDROP: return "export refused: volume dropped";
	case FG_EIGRAPH: return "igraph error";
	case FG_EDRIFT: return "drift above threshold";
	default: return "runtime error";
	}
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

char *fg_error_quote(char *out, size_t cap, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	static const char hex[] = "0123456789abcdef";

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	while (i < len) {
		size_t sl = utf8_seq_len(p + i, len - i);
		size_t need = (sl == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '"' &&
		               p[i] != '\\') ? 1 : (sl > 1 ? sl : 4);

		if (o + need + 4 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (sl > 1) {
			memcpy(out + o, p + i, sl);
			o += sl;
			i += sl;
		} else if (need == 1) {
			out[o++] = (char)p[i++];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
			i++;
		}
	}
	out[o] = '\0';
	return out;
}
