-- Organisations, reference data and memberships.
--
-- Translated texts are language maps, {"en": "...", "fr": "...", "nl": "...", "de": "..."}, with
-- English required. A user's role is never stored: it is derived from is_platform_admin and the
-- membership tables below.

CREATE TABLE regulators (
    id uuid PRIMARY KEY,
    name jsonb NOT NULL CHECK (jsonb_typeof(name) = 'object' AND name ? 'en'),
    full_name jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(full_name) = 'object'),
    description jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(description) = 'object'),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    address text NOT NULL,
    notification_email text,
    modules text[] NOT NULL DEFAULT '{}' CHECK (modules <@ ARRAY['securityObjectives', 'reporting']),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE observers (
    id uuid PRIMARY KEY,
    name jsonb NOT NULL CHECK (jsonb_typeof(name) = 'object' AND name ? 'en'),
    full_name jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(full_name) = 'object'),
    description jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(description) = 'object'),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    address text NOT NULL,
    notification_email text,
    receives_all_incidents boolean NOT NULL DEFAULT false,
    modules text[] NOT NULL DEFAULT '{}' CHECK (modules <@ ARRAY['securityObjectives', 'reporting']),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE regulations (
    id uuid PRIMARY KEY,
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The regulators competent for a regulation.
CREATE TABLE regulation_regulators (
    regulation_id uuid NOT NULL REFERENCES regulations ON DELETE CASCADE,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE CASCADE,
    PRIMARY KEY (regulation_id, regulator_id)
);

-- Codes are unique (the reference left them free, which made routing rules ambiguous).
CREATE TABLE entity_categories (
    id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_]{1,64}$'),
    label jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label ? 'en'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Two levels: a sector's parent is a root sector (checked in the domain under a row lock).
CREATE TABLE sectors (
    id uuid PRIMARY KEY,
    parent_id uuid REFERENCES sectors ON DELETE RESTRICT CHECK (parent_id <> id),
    name jsonb NOT NULL CHECK (jsonb_typeof(name) = 'object' AND name ? 'en'),
    acronym text NOT NULL CHECK (acronym ~ '^[A-Z0-9]{1,4}$'),
    -- The regulator whose administrators may change it; NULL for platform-wide sectors.
    created_by_regulator_id uuid REFERENCES regulators ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sectors_parent ON sectors (parent_id);

CREATE TABLE operators (
    id uuid PRIMARY KEY,
    identifier text NOT NULL CHECK (identifier ~ '^[A-Z0-9]{1,10}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    address text,
    email text,
    phone text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_identifier_key ON operators (identifier);
CREATE UNIQUE INDEX operators_name_key ON operators (lower(name));

CREATE TABLE operator_sectors (
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE RESTRICT,
    PRIMARY KEY (operator_id, sector_id)
);

CREATE TABLE operator_entity_categories (
    operator_id uuid NOT NULL REFERENCES operators ON DELETE CASCADE,
    entity_category_id uuid NOT NULL REFERENCES entity_categories ON DELETE RESTRICT,
    PRIMARY KEY (operator_id, entity_category_id)
);

-- Which incidents of a regulation an observer receives: conditions is a JSON array of
-- {"include": [codes], "exclude": [codes]}, OR between conditions, AND within one; [] = all.
CREATE TABLE observer_routing_rules (
    observer_id uuid NOT NULL REFERENCES observers ON DELETE CASCADE,
    regulation_id uuid NOT NULL REFERENCES regulations ON DELETE CASCADE,
    conditions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(conditions) = 'array'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (observer_id, regulation_id)
);

-- Memberships. A user belongs to at most one regulator or observer (the primary keys), and
-- regulator, observer and operator memberships exclude each other (checked in the domain).
-- Organisations with members cannot be deleted (RESTRICT).
CREATE TABLE regulator_memberships (
    user_id uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    regulator_id uuid NOT NULL REFERENCES regulators ON DELETE RESTRICT,
    is_administrator boolean NOT NULL DEFAULT false,
    can_export_incidents boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX regulator_memberships_regulator ON regulator_memberships (regulator_id);

-- The sectors a regulator user (not administrator) is limited to.
CREATE TABLE regulator_membership_sectors (
    user_id uuid NOT NULL REFERENCES regulator_memberships ON DELETE CASCADE,
    sector_id uuid NOT NULL REFERENCES sectors ON DELETE RESTRICT,
    PRIMARY KEY (user_id, sector_id)
);

CREATE TABLE observer_memberships (
    user_id uuid PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    observer_id uuid NOT NULL REFERENCES observers ON DELETE RESTRICT,
    is_administrator boolean NOT NULL DEFAULT false,
    can_export_incidents boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observer_memberships_observer ON observer_memberships (observer_id);

CREATE TABLE operator_memberships (
    user_id uuid NOT NULL REFERENCES users ON DELETE CASCADE,
    operator_id uuid NOT NULL REFERENCES operators ON DELETE RESTRICT,
    is_administrator boolean NOT NULL DEFAULT false,
    -- NULL until approved; an unapproved membership grants nothing.
    approved_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, operator_id),
    CHECK (NOT is_administrator OR approved_at IS NOT NULL)
);
CREATE INDEX operator_memberships_operator ON operator_memberships (operator_id);
