with

source as (

    {{ skills_catalog_relation(
        "select cast(null as " ~ t_string() ~ ") as scan_id, cast(null as timestamp) as scanned_at, "
        ~ "cast(null as " ~ t_string() ~ ") as skill_name, cast(null as " ~ t_string() ~ ") as folder_name, "
        ~ "cast(null as " ~ t_string() ~ ") as description, cast(null as " ~ t_string() ~ ") as when_to_use, "
        ~ "cast(null as " ~ t_string() ~ ") as source, cast(null as " ~ t_string() ~ ") as plugin_name, "
        ~ "cast(null as " ~ t_string() ~ ") as marketplace_name, cast(null as " ~ t_string() ~ ") as owner, "
        ~ "cast(null as " ~ t_string() ~ ") as owner_user_hash, "
        ~ "cast(null as " ~ t_string() ~ ") as owner_source, cast(null as " ~ t_string() ~ ") as root_path, "
        ~ "cast(null as " ~ t_string() ~ ") as relative_path, cast(null as " ~ t_int() ~ ") as context_chars, "
        ~ "cast(null as " ~ t_int() ~ ") as context_tokens_estimated, "
        ~ "cast(null as " ~ t_string() ~ ") as listing_sha256, cast(null as " ~ t_string() ~ ") as file_sha256, "
        ~ "cast(null as date) as date from (select 1 as x) as nothing where false") }}

),

renamed as (

    select
        {{ hash_key(['scan_id', 'date', 'root_path', 'relative_path']) }} as skill_snapshot_id,
        scan_id,
        cast(date as date) as snapshot_date,
        cast(scanned_at as timestamp) as scanned_at,
        skill_name,
        folder_name,
        description,
        when_to_use,
        source as skill_source,
        plugin_name,
        marketplace_name,
        owner,
        owner_user_hash,
        owner_source,
        root_path,
        relative_path,
        cast(context_chars as {{ t_int() }}) as context_chars,
        cast(context_tokens_estimated as {{ t_int() }}) as context_tokens_estimated,
        listing_sha256,
        file_sha256

    from source

)

select * from renamed
