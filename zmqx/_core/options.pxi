# How each socket option's value is represented; everything not listed is a C int.

cdef enum OptionKind:
    OPTION_INT
    OPTION_INT64
    OPTION_BYTES        # binary blob (identity, subscription, welcome message, ...)
    OPTION_STRING       # NUL-terminated text (endpoints, credentials, ...)
    OPTION_CURVE_KEY    # 32 binary bytes or 40 Z85 characters; read back as Z85


cdef inline OptionKind option_kind(int option) noexcept nogil:
    if option == 4 or option == 22 or 85 <= option <= 87:
        # AFFINITY, MAXMSGSIZE, VMCI_BUFFER_SIZE/MIN_SIZE/MAX_SIZE
        return OPTION_INT64
    if option == 5 or option == 6 or option == 7 or option == 38 or option == 61 \
            or option == 72:
        # ROUTING_ID, SUBSCRIBE, UNSUBSCRIBE, TCP_ACCEPT_FILTER, CONNECT_ROUTING_ID,
        # XPUB_WELCOME_MSG
        return OPTION_BYTES
    if option == 32 or option == 45 or option == 46 or option == 55 or option == 63 \
            or option == 64 or option == 68 or option == 92 or option == 95 \
            or option == 99 or option == 100 or 106 <= option <= 108 or option == 110:
        # LAST_ENDPOINT, PLAIN_USERNAME/PASSWORD, ZAP_DOMAIN, GSSAPI_(SERVICE_)PRINCIPAL,
        # SOCKS_PROXY, BINDTODEVICE, METADATA, SOCKS_USERNAME/PASSWORD,
        # WSS_KEY_PEM/CERT_PEM/TRUST_PEM, WSS_HOSTNAME
        return OPTION_STRING
    if 48 <= option <= 50:
        # CURVE_PUBLICKEY, CURVE_SECRETKEY, CURVE_SERVERKEY
        return OPTION_CURVE_KEY
    return OPTION_INT
