#include "fg_kinds.h"

#include <string.h>

const fg_kind_class_info fg_kind_classes[FG_KC_N] = {
	[FG_KC_CARD] = { "card", "n_cards", "deg_card" },
	[FG_KC_DEVICE] = { "device", "n_devices", "deg_device" },
	[FG_KC_ADDRESS] = { "address", "n_addresses", "deg_address" },
	[FG_KC_PHONE] = { "phone", "n_phones", "deg_phone" },
	[FG_KC_EMAIL] = { "email", "n_emails", "deg_email" },
	[FG_KC_IP] = { "ip", "n_ips", "deg_ip" },
	[FG_KC_OTHER] = { "other", "n_other_entities", "deg_other" },
};

/* The kinds that have a class of their own; everything else is "other". */
static const struct {
	const char *kind;
	fg_kind_class cls;
} kind_map[] = {
	{ "card", FG_KC_CARD },
	{ "bank", FG_KC_CARD },
	{ "device", FG_KC_DEVICE },
	{ "address", FG_KC_ADDRESS },
	{ "phone", FG_KC_PHONE },
	{ "email", FG_KC_EMAIL },
	{ "ip", FG_KC_IP },
};

fg_kind_class fg_kind_class_of(const char *kind)
{
	for (size_t i = 0; i < sizeof(kind_map) / sizeof(kind_map[0]); i++)
		if (!strcmp(kind, kind_map[i].kind))
			return kind_map[i].cls;
	return FG_KC_OTHER;
}
