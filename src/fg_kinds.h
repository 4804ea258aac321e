/*
 * fg_kinds: the one definition of entity kind classes.
 *
 * Every entity kind (free text in the input: "card", "device", "iban", ...)
 * falls in one class.  Rings count their entities per class, users' features
 * count their links per class, and the results tables name one column per
 * class.  The class enum, the class names, the kind -> class mapping and the
 * per-class column names of the results schema live here and nowhere else;
 * scoring, the writer and the commands read them from this table.
 *
 * Thread-safety: constant data and pure functions.
 */
#ifndef FG_SRC_FG_KINDS_H
#define FG_SRC_FG_KINDS_H

typedef enum fg_kind_class {
	FG_KC_CARD = 0, /* payment instruments: card, bank */
	FG_KC_DEVICE,
	FG_KC_ADDRESS,
	FG_KC_PHONE,
	FG_KC_EMAIL,
	FG_KC_IP,
	FG_KC_OTHER,    /* any kind not named in the mapping */
	FG_KC_N
} fg_kind_class;

/* One class: its name and the columns of the results schema that count it. */
typedef struct fg_kind_class_info {
	const char *name;           /* "card", "device", ... */
	const char *ring_column;    /* rings / report: "n_cards", ... */
	const char *feature_column; /* user_features: "deg_card", ... */
} fg_kind_class_info;

/* Indexed by fg_kind_class (FG_KC_N entries). */
extern const fg_kind_class_info fg_kind_classes[FG_KC_N];

/*
 * The class of an entity kind name (exact, lower-case match as the ingest
 * normalises kinds); FG_KC_OTHER for any kind not in the mapping.  O(1).
 */
fg_kind_class fg_kind_class_of(const char *kind);

#endif
