// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PKCS#11 secure element's link to its token (se-pkcs11-int.h): the
 * module, loaded with dlopen() and C_GetFunctionList() (p11-kit's proxy,
 * p11-kit-proxy.so, is a module like any other), the token found by label, a
 * read-write session logged in as the user, objects found by label.
 *
 * A module is process-wide (PKCS#11 §5.4: C_Initialize once per process), so
 * it is loaded once and kept, initialised, for the life of the process: the
 * secure elements opened in one process (bmcd's, or a test's several) share
 * it, and re-initialising a module after C_Finalize is where modules differ.
 * Not thread-safe: bmcd is single-threaded.
 */
#include "se-pkcs11-int.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#define P11_MAX_MODULES 4
#define P11_MAX_SLOTS   64
#define P11_PIN_MAX     64

struct p11_module {
	char path[PATH_MAX];
	void *dl;
	CK_FUNCTION_LIST_PTR f;
};

static struct p11_module modules[P11_MAX_MODULES];

const char *const p11_key_labels[SE_KEY_COUNT] = {
    [SE_KEY_DEVICE] = P11_LABEL_DEVICE,
};

static const char *rv_name(CK_RV rv)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
	    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
	    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
	    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
	    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
	    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
	    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
	    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
	    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
	    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
	    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
	    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
	    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
	    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
	    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
	    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
	    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID"},
	    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
	    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
	    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
	    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED"},
	    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	return "CKR";
}

int p11_fail(const char *call, CK_RV rv)
{
	se_error_set("%s: %s (0x%lx)", call, rv_name(rv), (unsigned long)rv);
	return -EIO;
}

/* cfg->module, loaded and initialised (once per process). 0 or -ENOENT/-EIO. */
static int module_get(const char *path, struct p11_module **ret_mod)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	struct p11_module *m = NULL;
	CK_RV rv;

	for (int i = 0; i < P11_MAX_MODULES; i++) {
		if (modules[i].f && strcmp(modules[i].path, path) == 0) {
			*ret_mod = &modules[i];
			return 0;
		}
		if (!m && !modules[i].f)
			m = &modules[i];
	}
	if (!m || strlen(path) >= sizeof(m->path))
		return -ENOMEM;
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		se_error_set("%s: cannot load the PKCS#11 module", path);
		return -ENOENT;
	}
	*(void **)&get_list = dlsym(m->dl, "C_GetFunctionList");
	rv = get_list ? get_list(&m->f) : CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		rv = m->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		m->f = NULL;
		dlclose(m->dl);
		return p11_fail("C_Initialize", rv);
	}
	snprintf(m->path, sizeof(m->path), "%s", path);
	*ret_mod = m;
	return 0;
}

/* The slot whose token has label token. 0, -ENODEV or -EIO. */
static int slot_find(CK_FUNCTION_LIST_PTR f, const char *token, CK_SLOT_ID *ret_slot)
{
	CK_SLOT_ID slots[P11_MAX_SLOTS];
	CK_ULONG n = P11_MAX_SLOTS;
	unsigned char want[32];
	size_t tl = strlen(token);
	CK_RV rv;

	if (tl > sizeof(want))
		return -EINVAL;
	/* CK_TOKEN_INFO.label: 32 bytes, blank-padded, not NUL-terminated. */
	memset(want, ' ', sizeof(want));
	memcpy(want, token, tl);
	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		return p11_fail("C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    memcmp(ti.label, want, sizeof(want)) == 0) {
			*ret_slot = slots[i];
			return 0;
		}
	}
	se_error_set("no token labelled '%s' in the module's %lu slots", token, (unsigned long)n);
	return -ENODEV;
}

/* The PIN from a file of ours that no one else may read. 0, -EACCES or -errno. */
static int pin_read(const char *path, char *pin, size_t cap, size_t *ret_len)
{
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret = 0;

	if (fd < 0) {
		se_error_set("PIN file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0) {
		se_error_set("PIN file %s: must be a file of this user, mode 0600 or 0400", path);
		ret = -EACCES;
	}
	n = ret == 0 ? read(fd, pin, cap) : 0;
	close(fd);
	if (ret == 0 && (n <= 0 || (size_t)n >= cap)) {
		se_error_set("PIN file %s: empty or over %zu bytes", path, cap - 1);
		ret = -EINVAL;
	}
	while (ret == 0 && n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
		n--;
	if (ret == 0 && n == 0)
		ret = -EINVAL;
	*ret_len = ret == 0 ? (size_t)n : 0;
	return ret;
}

static int login(struct p11 *p, const char *pin_file)
{
	char pin[P11_PIN_MAX + 1];
	size_t len = 0;
	CK_RV rv;
	int ret = pin_read(pin_file, pin, sizeof(pin), &len);

	if (ret == 0) {
		rv = p->f->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, len);
		/* Another session of this process logged in already (OpenSSH does the same). */
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_LEN_RANGE) {
			p11_fail("C_Login", rv);
			ret = -EACCES;
		} else if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
			ret = p11_fail("C_Login", rv);
	}
	mbedtls_platform_zeroize(pin, sizeof(pin));
	return ret;
}

int p11_session_open(const struct se_config *cfg, struct p11 *p)
{
	CK_SLOT_ID slot;
	CK_RV rv;
	int ret;

	*p = (struct p11){0};
	ret = module_get(cfg->module, &p->mod);
	if (ret < 0)
		return ret;
	p->f = p->mod->f;
	ret = slot_find(p->f, cfg->token, &slot);
	if (ret < 0)
		return ret;
	rv =
	    p->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->session);
	if (rv != CKR_OK)
		return p11_fail("C_OpenSession", rv);
	p->has_session = true;
	ret = login(p, cfg->pin_file);
	if (ret < 0)
		p11_session_close(p);
	return ret;
}

void p11_session_close(struct p11 *p)
{
	/* No C_Logout: the login is the process's, other sessions may hold it. */
	if (p->has_session)
		p->f->C_CloseSession(p->session);
	p->has_session = false;
}

int p11_find(struct p11 *p, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *ret,
             size_t cap, size_t *ret_n)
{
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ULONG n = 0;
	CK_RV rv = p->f->C_FindObjectsInit(p->session, tmpl, 2);

	if (rv != CKR_OK)
		return p11_fail("C_FindObjectsInit", rv);
	rv = p->f->C_FindObjects(p->session, ret, cap, &n);
	p->f->C_FindObjectsFinal(p->session);
	if (rv != CKR_OK)
		return p11_fail("C_FindObjects", rv);
	*ret_n = n;
	return 0;
}

int p11_find_one(struct p11 *p, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *ret_obj)
{
	CK_OBJECT_HANDLE h[2];
	size_t n = 0;
	int ret = p11_find(p, cls, label, h, 2, &n);

	if (ret < 0)
		return ret;
	if (n != 1) {
		se_error_set("token object %s: %s", label, n ? "more than one" : "missing");
		return n ? -EBADMSG : -ENOENT;
	}
	*ret_obj = h[0];
	return 0;
}

int p11_attr_get(struct p11 *p, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, void *buf, size_t cap,
                 size_t *ret_len)
{
	CK_ATTRIBUTE a = {type, buf, cap};
	CK_RV rv = p->f->C_GetAttributeValue(p->session, obj, &a, 1);

	if (rv == CKR_BUFFER_TOO_SMALL)
		return -ENOSPC;
	if (rv != CKR_OK)
		return p11_fail("C_GetAttributeValue", rv);
	*ret_len = a.ulValueLen;
	return 0;
}

int p11_create(struct p11 *p, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_OBJECT_HANDLE h;
	CK_RV rv = p->f->C_CreateObject(p->session, tmpl, n, &h);

	return rv == CKR_OK ? 0 : p11_fail("C_CreateObject", rv);
}

int p11_data_create(struct p11 *p, const char *label, const void *value, size_t len)
{
	static const char app[] = "svcport";
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_APPLICATION, (void *)app, sizeof(app) - 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)value, len},
	};

	return p11_create(p, tmpl, sizeof(tmpl) / sizeof(tmpl[0]));
}

int p11_record_create(struct p11 *p, const char *label, uint64_t gen, const void *payload,
                      size_t len)
{
	unsigned char v[8 + P11_RECORD_MAX];

	if (len > P11_RECORD_MAX)
		return -EINVAL;
	se_put_le64(v, gen);
	memcpy(v + 8, payload, len);
	return p11_data_create(p, label, v, 8 + len);
}

/* The records of label: handles, and which is newest (valid length, highest gen). */
static int records_find(struct p11 *p, const char *label, size_t len, CK_OBJECT_HANDLE *h,
                        size_t *ret_n, size_t *ret_best, unsigned char *best_value)
{
	unsigned char v[8 + P11_RECORD_MAX];
	bool found = false;
	uint64_t best_gen = 0;
	int ret = p11_find(p, CKO_DATA, label, h, P11_MAX_OBJECTS, ret_n);

	for (size_t i = 0; ret == 0 && i < *ret_n; i++) {
		size_t n = 0;

		ret = p11_attr_get(p, h[i], CKA_VALUE, v, sizeof(v), &n);
		if (ret == -ENOSPC || (ret == 0 && n != 8 + len)) {
			ret = 0; /* not a record of ours: never chosen */
			continue;
		}
		if (ret == 0 && (!found || se_get_le64(v) > best_gen)) {
			found = true;
			best_gen = se_get_le64(v);
			*ret_best = i;
			memcpy(best_value, v, 8 + len);
		}
	}
	if (ret == 0 && !found) {
		se_error_set("token record %s: %s", label, *ret_n ? "damaged" : "missing");
		ret = *ret_n ? -EBADMSG : -ENOENT;
	}
	return ret;
}

int p11_record_read(struct p11 *p, const char *label, void *payload, size_t len, uint64_t *ret_gen)
{
	CK_OBJECT_HANDLE h[P11_MAX_OBJECTS];
	unsigned char v[8 + P11_RECORD_MAX];
	size_t n = 0, best = 0;
	int ret = len > P11_RECORD_MAX ? -EINVAL : records_find(p, label, len, h, &n, &best, v);

	if (ret < 0)
		return ret;
	memcpy(payload, v + 8, len);
	*ret_gen = se_get_le64(v);
	return 0;
}

int p11_record_write(struct p11 *p, const char *label, const void *payload, size_t len)
{
	CK_OBJECT_HANDLE h[P11_MAX_OBJECTS];
	unsigned char v[8 + P11_RECORD_MAX];
	size_t n = 0, best = 0;
	int ret = len > P11_RECORD_MAX ? -EINVAL : records_find(p, label, len, h, &n, &best, v);

	if (ret == 0)
		ret = p11_record_create(p, label, se_get_le64(v) + 1, payload, len);
	if (ret < 0)
		return ret == -EIO ? ret : -EIO;
	/* The new record is in force; the old ones go (a failure here is tidied next time). */
	for (size_t i = 0; i < n; i++)
		(void)p->f->C_DestroyObject(p->session, h[i]);
	return 0;
}

int p11_secret_generate(struct p11 *p, bool aes, const char *label)
{
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM mech = {aes ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = aes ? CKK_AES : CKK_GENERIC_SECRET;
	CK_ULONG len = 32;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_VALUE_LEN, &len, sizeof(len)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_MODIFIABLE, &no, 1},
	    {CKA_SENSITIVE, &yes, 1},
	    {CKA_EXTRACTABLE, &no, 1},
	    {aes ? CKA_ENCRYPT : CKA_SIGN, &yes, 1},
	    {aes ? CKA_DECRYPT : CKA_VERIFY, &yes, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_OBJECT_HANDLE h;
	CK_RV rv = p->f->C_GenerateKey(p->session, &mech, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &h);

	return rv == CKR_OK ? 0 : p11_fail("C_GenerateKey", rv);
}

int p11_gcm(struct p11 *p, CK_OBJECT_HANDLE key, bool seal, const uint8_t *iv, const uint8_t *aad,
            size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
            size_t *ret_len)
{
	CK_GCM_PARAMS gcm = {
	    .pIv = (CK_BYTE_PTR)iv,
	    .ulIvLen = P11_GCM_IV_LEN,
	    .ulIvBits = 8 * P11_GCM_IV_LEN,
	    .pAAD = (CK_BYTE_PTR)aad,
	    .ulAADLen = aad_len,
	    .ulTagBits = 8 * P11_GCM_TAG_LEN,
	};
	CK_MECHANISM mech = {CKM_AES_GCM, &gcm, sizeof(gcm)};
	CK_ULONG len = cap;
	CK_RV rv;

	rv = seal ? p->f->C_EncryptInit(p->session, &mech, key)
	          : p->f->C_DecryptInit(p->session, &mech, key);
	if (rv != CKR_OK)
		return p11_fail(seal ? "C_EncryptInit" : "C_DecryptInit", rv);
	rv = seal ? p->f->C_Encrypt(p->session, (CK_BYTE_PTR)in, in_len, out, &len)
	          : p->f->C_Decrypt(p->session, (CK_BYTE_PTR)in, in_len, out, &len);
	/* The key and parameters were taken: a failing decryption is the blob's (tokens
	 * differ in the CKR they give for a tag that does not match: SoftHSM2's is
	 * CKR_GENERAL_ERROR). Not ours, or changed: refused, never an I/O error. */
	if (!seal && rv != CKR_OK) {
		p11_fail("C_Decrypt", rv);
		return -EBADMSG;
	}
	if (rv != CKR_OK)
		return p11_fail("C_Encrypt", rv);
	if (ret_len)
		*ret_len = len;
	return 0;
}
