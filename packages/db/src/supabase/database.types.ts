export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      agents: {
        Row: {
          created_at: string
          id: string
          name: string
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          name: string
          updated_at?: string
          user_id: string
        }
        Update: {
          created_at?: string
          id?: string
          name?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      api_key_identities: {
        Row: {
          created_at: string
          credits_refill: Json | null
          credits_refilled_at: string | null
          credits_remaining: number | null
          external_id: string
          id: string
          meta: Json | null
          ratelimit_state: number[]
          ratelimits: NonNullable<Json>
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          credits_refill?: Json | null
          credits_refilled_at?: string | null
          credits_remaining?: number | null
          external_id: string
          id?: string
          meta?: Json | null
          ratelimit_state?: number[]
          ratelimits?: NonNullable<Json>
          updated_at?: string
          user_id: string
        }
        Update: {
          created_at?: string
          credits_refill?: Json | null
          credits_refilled_at?: string | null
          credits_remaining?: number | null
          external_id?: string
          id?: string
          meta?: Json | null
          ratelimit_state?: number[]
          ratelimits?: NonNullable<Json>
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      api_key_usage_hourly: {
        Row: {
          disabled_count: number
          expired_count: number
          hour: string
          insufficient_scope_count: number
          key_id: string
          rate_limited_count: number
          request_count: number
          usage_exceeded_count: number
          user_id: string
          valid_count: number
        }
        Insert: {
          disabled_count?: number
          expired_count?: number
          hour: string
          insufficient_scope_count?: number
          key_id: string
          rate_limited_count?: number
          request_count?: number
          usage_exceeded_count?: number
          user_id: string
          valid_count?: number
        }
        Update: {
          disabled_count?: number
          expired_count?: number
          hour?: string
          insufficient_scope_count?: number
          key_id?: string
          rate_limited_count?: number
          request_count?: number
          usage_exceeded_count?: number
          user_id?: string
          valid_count?: number
        }
        Relationships: []
      }
      api_keys: {
        Row: {
          created_at: string
          credits_refill: Json | null
          credits_refilled_at: string | null
          credits_remaining: number | null
          enabled: boolean
          expires_at: string | null
          id: string
          identity_id: string | null
          key_hash: string
          key_prefix: string
          last_used_at: string | null
          meta: Json | null
          name: string
          rate_limit: number | null
          ratelimit_state: number[]
          ratelimits: NonNullable<Json>
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number | null
          user_id: string
        }
        Insert: {
          created_at?: string
          credits_refill?: Json | null
          credits_refilled_at?: string | null
          credits_remaining?: number | null
          enabled?: boolean
          expires_at?: string | null
          id?: string
          identity_id?: string | null
          key_hash: string
          key_prefix: string
          last_used_at?: string | null
          meta?: Json | null
          name: string
          rate_limit?: number | null
          ratelimit_state?: number[]
          ratelimits?: NonNullable<Json>
          scopes?: string[]
          updated_at?: string
          usage_count?: number
          usage_quota?: number | null
          user_id: string
        }
        Update: {
          created_at?: string
          credits_refill?: Json | null
          credits_refilled_at?: string | null
          credits_remaining?: number | null
          enabled?: boolean
          expires_at?: string | null
          id?: string
          identity_id?: string | null
          key_hash?: string
          key_prefix?: string
          last_used_at?: string | null
          meta?: Json | null
          name?: string
          rate_limit?: number | null
          ratelimit_state?: number[]
          ratelimits?: NonNullable<Json>
          scopes?: string[]
          updated_at?: string
          usage_count?: number
          usage_quota?: number | null
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "api_keys_identity_fkey"
            columns: ["identity_id", "user_id"]
            isOneToOne: false
            referencedRelation: "api_key_identities"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      audit_logs: {
        Row: {
          action: string
          actor_id: string | null
          created_at: string
          id: string
          metadata: NonNullable<Json>
          resource_id: string | null
          resource_type: string
          user_id: string | null
        }
        Insert: {
          action: string
          actor_id?: string | null
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          resource_id?: string | null
          resource_type: string
          user_id?: string | null
        }
        Update: {
          action?: string
          actor_id?: string | null
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          resource_id?: string | null
          resource_type?: string
          user_id?: string | null
        }
        Relationships: []
      }
      consents: {
        Row: {
          granted: boolean
          granted_at: string | null
          id: string
          purpose: string
          updated_at: string
          user_id: string
          withdrawn_at: string | null
        }
        Insert: {
          granted: boolean
          granted_at?: string | null
          id?: string
          purpose: string
          updated_at?: string
          user_id: string
          withdrawn_at?: string | null
        }
        Update: {
          granted?: boolean
          granted_at?: string | null
          id?: string
          purpose?: string
          updated_at?: string
          user_id?: string
          withdrawn_at?: string | null
        }
        Relationships: []
      }
      ivr_menus: {
        Row: {
          back_key: string | null
          created_at: string
          id: string
          inter_digit_timeout: number
          invalid_prompt: string
          items: NonNullable<Json>
          max_retries: number
          name: string
          on_max_retries: Json | null
          operator: Json | null
          operator_key: string | null
          parent_menu_id: string | null
          prompt: string
          timeout: number
          timeout_prompt: string
          updated_at: string
          user_id: string
        }
        Insert: {
          back_key?: string | null
          created_at?: string
          id?: string
          inter_digit_timeout?: number
          invalid_prompt?: string
          items?: NonNullable<Json>
          max_retries?: number
          name: string
          on_max_retries?: Json | null
          operator?: Json | null
          operator_key?: string | null
          parent_menu_id?: string | null
          prompt: string
          timeout?: number
          timeout_prompt?: string
          updated_at?: string
          user_id: string
        }
        Update: {
          back_key?: string | null
          created_at?: string
          id?: string
          inter_digit_timeout?: number
          invalid_prompt?: string
          items?: NonNullable<Json>
          max_retries?: number
          name?: string
          on_max_retries?: Json | null
          operator?: Json | null
          operator_key?: string | null
          parent_menu_id?: string | null
          prompt?: string
          timeout?: number
          timeout_prompt?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "ivr_menus_parent_menu_id_fkey"
            columns: ["parent_menu_id", "user_id"]
            isOneToOne: false
            referencedRelation: "ivr_menus"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      ivr_sessions: {
        Row: {
          created_at: string
          current_menu_id: string | null
          end_reason: string | null
          ended_at: string | null
          id: string
          last_activity: string
          menu_stack: NonNullable<Json>
          retry_count: number
          session_id: string
          start_time: string
          state: NonNullable<Json>
          status: string
          user_id: string
          version: number
        }
        Insert: {
          created_at?: string
          current_menu_id?: string | null
          end_reason?: string | null
          ended_at?: string | null
          id?: string
          last_activity?: string
          menu_stack?: NonNullable<Json>
          retry_count?: number
          session_id: string
          start_time?: string
          state?: NonNullable<Json>
          status?: string
          user_id: string
          version?: number
        }
        Update: {
          created_at?: string
          current_menu_id?: string | null
          end_reason?: string | null
          ended_at?: string | null
          id?: string
          last_activity?: string
          menu_stack?: NonNullable<Json>
          retry_count?: number
          session_id?: string
          start_time?: string
          state?: NonNullable<Json>
          status?: string
          user_id?: string
          version?: number
        }
        Relationships: [
          {
            foreignKeyName: "ivr_sessions_current_menu_id_fkey"
            columns: ["current_menu_id", "user_id"]
            isOneToOne: false
            referencedRelation: "ivr_menus"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      ratelimit_overrides: {
        Row: {
          created_at: string
          duration_ms: number
          id: string
          identifier: string
          limit: number
          namespace: string
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          duration_ms: number
          id?: string
          identifier: string
          limit: number
          namespace: string
          updated_at?: string
          user_id: string
        }
        Update: {
          created_at?: string
          duration_ms?: number
          id?: string
          identifier?: string
          limit?: number
          namespace?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      ratelimit_states: {
        Row: {
          identifier: string
          namespace: string
          state: Json | null
          user_id: string
        }
        Insert: {
          identifier: string
          namespace: string
          state?: Json | null
          user_id: string
        }
        Update: {
          identifier?: string
          namespace?: string
          state?: Json | null
          user_id?: string
        }
        Relationships: []
      }
      webhook_event_types: {
        Row: {
          archived: boolean
          created_at: string
          deprecated: boolean
          description: string
          example: Json | null
          name: string
          schema: Json | null
          updated_at: string
        }
        Insert: {
          archived?: boolean
          created_at?: string
          deprecated?: boolean
          description: string
          example?: Json | null
          name: string
          schema?: Json | null
          updated_at?: string
        }
        Update: {
          archived?: boolean
          created_at?: string
          deprecated?: boolean
          description?: string
          example?: Json | null
          name?: string
          schema?: Json | null
          updated_at?: string
        }
        Relationships: []
      }
      webhook_events: {
        Row: {
          agent_id: string | null
          body: string
          channels: string[] | null
          created_at: string
          event: string
          id: string
          idempotency_key: string | null
          payload: Json | null
          user_id: string
        }
        Insert: {
          agent_id?: string | null
          body: string
          channels?: string[] | null
          created_at?: string
          event: string
          id?: string
          idempotency_key?: string | null
          payload?: never
          user_id: string
        }
        Update: {
          agent_id?: string | null
          body?: string
          channels?: string[] | null
          created_at?: string
          event?: string
          id?: string
          idempotency_key?: string | null
          payload?: never
          user_id?: string
        }
        Relationships: []
      }
      webhook_failure_streaks: {
        Row: {
          failing_since: string
          webhook_id: string
        }
        Insert: {
          failing_since: string
          webhook_id: string
        }
        Update: {
          failing_since?: string
          webhook_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_failure_streaks_webhook_id_fkey"
            columns: ["webhook_id"]
            isOneToOne: true
            referencedRelation: "webhooks"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_logs: {
        Row: {
          attempt_number: number
          created_at: string
          delivered_at: string | null
          duration_ms: number | null
          error: string | null
          event: string
          id: string
          payload: NonNullable<Json>
          response_body: string | null
          status_code: number | null
          webhook_id: string
        }
        Insert: {
          attempt_number?: number
          created_at?: string
          delivered_at?: string | null
          duration_ms?: number | null
          error?: string | null
          event: string
          id?: string
          payload?: NonNullable<Json>
          response_body?: string | null
          status_code?: number | null
          webhook_id: string
        }
        Update: {
          attempt_number?: number
          created_at?: string
          delivered_at?: string | null
          duration_ms?: number | null
          error?: string | null
          event?: string
          id?: string
          payload?: NonNullable<Json>
          response_body?: string | null
          status_code?: number | null
          webhook_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_logs_webhook_id_fkey"
            columns: ["webhook_id"]
            isOneToOne: false
            referencedRelation: "webhooks"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_messages: {
        Row: {
          attempts: number
          created_at: string
          delivered_at: string | null
          due_at: string
          event: string
          event_id: string
          id: string
          last_error: string | null
          locked_by: string | null
          max_attempts: number
          status: string
          updated_at: string
          user_id: string
          webhook_id: string
        }
        Insert: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          due_at: string
          event: string
          event_id: string
          id?: string
          last_error?: string | null
          locked_by?: string | null
          max_attempts: number
          status?: string
          updated_at?: string
          user_id: string
          webhook_id: string
        }
        Update: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          due_at?: string
          event?: string
          event_id?: string
          id?: string
          last_error?: string | null
          locked_by?: string | null
          max_attempts?: number
          status?: string
          updated_at?: string
          user_id?: string
          webhook_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_messages_event_id_fkey"
            columns: ["event_id"]
            isOneToOne: false
            referencedRelation: "webhook_events"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "webhook_messages_webhook_id_fkey"
            columns: ["webhook_id"]
            isOneToOne: false
            referencedRelation: "webhooks"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_previous_secrets: {
        Row: {
          expires_at: string
          secret: string
          webhook_id: string
        }
        Insert: {
          expires_at: string
          secret: string
          webhook_id: string
        }
        Update: {
          expires_at?: string
          secret?: string
          webhook_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_previous_secrets_webhook_id_fkey"
            columns: ["webhook_id"]
            isOneToOne: true
            referencedRelation: "webhooks"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_throttles: {
        Row: {
          blocked_until: string | null
          sent: number
          webhook_id: string
          window_start: string
        }
        Insert: {
          blocked_until?: string | null
          sent: number
          webhook_id: string
          window_start: string
        }
        Update: {
          blocked_until?: string | null
          sent?: number
          webhook_id?: string
          window_start?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_throttles_webhook_id_fkey"
            columns: ["webhook_id"]
            isOneToOne: true
            referencedRelation: "webhooks"
            referencedColumns: ["id"]
          },
        ]
      }
      webhooks: {
        Row: {
          agent_id: string | null
          channels: string[] | null
          created_at: string
          enabled: boolean
          events: string[]
          headers: NonNullable<Json>
          id: string
          last_error: string | null
          last_status: number | null
          last_triggered_at: string | null
          rate_limit_per_second: number | null
          retry_count: number
          secret: string
          updated_at: string
          url: string
          user_id: string
        }
        Insert: {
          agent_id?: string | null
          channels?: string[] | null
          created_at?: string
          enabled?: boolean
          events: string[]
          headers?: NonNullable<Json>
          id?: string
          last_error?: string | null
          last_status?: number | null
          last_triggered_at?: string | null
          rate_limit_per_second?: number | null
          retry_count?: number
          secret: string
          updated_at?: string
          url: string
          user_id: string
        }
        Update: {
          agent_id?: string | null
          channels?: string[] | null
          created_at?: string
          enabled?: boolean
          events?: string[]
          headers?: NonNullable<Json>
          id?: string
          last_error?: string | null
          last_status?: number | null
          last_triggered_at?: string | null
          rate_limit_per_second?: number | null
          retry_count?: number
          secret?: string
          updated_at?: string
          url?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhooks_agent_id_fkey"
            columns: ["agent_id", "user_id"]
            isOneToOne: false
            referencedRelation: "agents"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      vx_api_key_credits: {
        Args: {
          p_amount: number
          p_id: string
          p_now: string
          p_op: string
          p_target: string
          p_user_id: string
        }
        Returns: number
      }
      vx_api_key_verify: {
        Args: {
          p_cost: number
          p_hash: string
          p_now: string
          p_ratelimits: string
          p_scopes: string[]
        }
        Returns: {
          code: string
          created_at: string
          credits_refill: Json
          credits_remaining: number
          enabled: boolean
          expires_at: string
          id: string
          identity: Json
          identity_id: string
          key_prefix: string
          last_used_at: string
          limits: Json
          meta: Json
          name: string
          ord: number
          rate_limit: number
          ratelimits: Json
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number
          user_id: string
          window_count: number
          window_reset: string
        }[]
      }
      vx_api_key_verify_batch: {
        Args: {
          p_costs: number[]
          p_hashes: string[]
          p_now: string
          p_ratelimits: string[]
          p_scopes: string[]
        }
        Returns: {
          code: string
          created_at: string
          credits_refill: Json
          credits_remaining: number
          enabled: boolean
          expires_at: string
          id: string
          identity: Json
          identity_id: string
          key_prefix: string
          last_used_at: string
          limits: Json
          meta: Json
          name: string
          ord: number
          rate_limit: number
          ratelimits: Json
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number
          user_id: string
          window_count: number
          window_reset: string
        }[]
      }
      vx_apply_consents: {
        Args: {
          p_at: string
          p_granted: boolean[]
          p_purposes: string[]
          p_user_id: string
        }
        Returns: number
      }
      vx_audit_page: {
        Args: {
          p_after_created_at: string
          p_after_id: string
          p_limit: number
          p_user_id: string
        }
        Returns: {
          action: string
          actor_id: string
          created_at: string
          id: string
          metadata: Json
          resource_id: string
          resource_type: string
          user_id: string
        }[]
      }
      vx_check_ratelimits: {
        Args: {
          p_config: Json
          p_cost: number
          p_now_ms: number
          p_requested: Json
          p_source: string
          p_state: Json
        }
        Returns: Record<string, unknown>
      }
      vx_create_month_partitions: {
        Args: { p_table: string; p_through: string }
        Returns: number
      }
      vx_credits_last_refill: {
        Args: { p_now: string; p_refill: Json }
        Returns: string
      }
      vx_credits_now: {
        Args: {
          p_now: string
          p_refill: Json
          p_refilled_at: string
          p_remaining: number
        }
        Returns: number
      }
      vx_credits_set_refill: {
        Args: {
          p_id: string
          p_now: string
          p_refill: Json
          p_target: string
          p_user_id: string
        }
        Returns: number
      }
      vx_delete_expired_batch: {
        Args: { p_cutoff: string; p_limit: number; p_target: string }
        Returns: number
      }
      vx_drop_expired_partition: {
        Args: { p_cutoff: string; p_table: string }
        Returns: number
      }
      vx_erase_user_data: {
        Args: { p_at: string; p_subject_sha256: string; p_user_id: string }
        Returns: Json
      }
      vx_expired_rows: {
        Args: {
          p_after_at: string
          p_after_id: string
          p_cutoff: string
          p_limit: number
          p_target: string
        }
        Returns: {
          at: string
          id: string
          row_json: Json
        }[]
      }
      vx_export_user_data: { Args: { p_user_id: string }; Returns: Json }
      vx_gcra: {
        Args: {
          p_cost: number
          p_duration_ms: number
          p_limit: number
          p_now_ms: number
          p_state: Json
        }
        Returns: Record<string, unknown>
      }
      vx_ivr_close_idle_sessions: {
        Args: { p_grace_ms: number; p_now: string }
        Returns: {
          created_at: string
          current_menu_id: string | null
          end_reason: string | null
          ended_at: string | null
          id: string
          last_activity: string
          menu_stack: NonNullable<Json>
          retry_count: number
          session_id: string
          start_time: string
          state: NonNullable<Json>
          status: string
          user_id: string
          version: number
        }[]
        SetofOptions: {
          from: "*"
          to: "ivr_sessions"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_ivr_menu_with_submenus: {
        Args: { p_menu_id: string }
        Returns: {
          back_key: string | null
          created_at: string
          id: string
          inter_digit_timeout: number
          invalid_prompt: string
          items: NonNullable<Json>
          max_retries: number
          name: string
          on_max_retries: Json | null
          operator: Json | null
          operator_key: string | null
          parent_menu_id: string | null
          prompt: string
          timeout: number
          timeout_prompt: string
          updated_at: string
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "ivr_menus"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_ivr_session_context: { Args: { p_session_id: string }; Returns: Json }
      vx_ivr_update_session: {
        Args: {
          p_changes: Json
          p_expected_version: number
          p_session_id: string
        }
        Returns: {
          created_at: string
          current_menu_id: string | null
          end_reason: string | null
          ended_at: string | null
          id: string
          last_activity: string
          menu_stack: NonNullable<Json>
          retry_count: number
          session_id: string
          start_time: string
          state: NonNullable<Json>
          status: string
          user_id: string
          version: number
        }[]
        SetofOptions: {
          from: "*"
          to: "ivr_sessions"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_lock_api_key_hashes: {
        Args: { p_hashes: string[] }
        Returns: undefined
      }
      vx_partition_upper_bound: {
        Args: { p_partition: unknown }
        Returns: string
      }
      vx_ratelimit_batch: {
        Args: {
          p_costs: number[]
          p_durations: number[]
          p_identifiers: string[]
          p_limits: number[]
          p_namespaces: string[]
          p_now: string
          p_user_ids: string[]
        }
        Returns: {
          duration_ms: number
          limit: number
          ord: number
          overridden: boolean
          remaining: number
          reset: number
          retry_at: number
          success: boolean
        }[]
      }
      vx_ratelimit_plan: {
        Args: { p_ratelimits: Json; p_tats: Json }
        Returns: number[]
      }
      vx_ratelimit_prune: {
        Args: { p_idle_before: string; p_limit: number }
        Returns: number
      }
      vx_ratelimit_tats: {
        Args: { p_plan: number[]; p_ratelimits: Json }
        Returns: Json
      }
      vx_record_api_key_usage: {
        Args: { p_at: string; p_cost: number; p_key_id: string }
        Returns: {
          created_at: string
          credits_refill: Json | null
          credits_refilled_at: string | null
          credits_remaining: number | null
          enabled: boolean
          expires_at: string | null
          id: string
          identity_id: string | null
          key_hash: string
          key_prefix: string
          last_used_at: string | null
          meta: Json | null
          name: string
          rate_limit: number | null
          ratelimit_state: number[]
          ratelimits: NonNullable<Json>
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number | null
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "api_keys"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_rewrite_table_inserts: {
        Args: { p_from: string; p_table: string; p_to: string }
        Returns: number
      }
      vx_rotate_api_key: {
        Args: {
          p_key_hash: string
          p_key_id: string
          p_key_prefix: string
          p_now: string
          p_retire_at: string
          p_user_id: string
        }
        Returns: {
          created_at: string
          credits_refill: Json | null
          credits_refilled_at: string | null
          credits_remaining: number | null
          enabled: boolean
          expires_at: string | null
          id: string
          identity_id: string | null
          key_hash: string
          key_prefix: string
          last_used_at: string | null
          meta: Json | null
          name: string
          rate_limit: number | null
          ratelimit_state: number[]
          ratelimits: NonNullable<Json>
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number | null
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "api_keys"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_row_type_functions_ddl: {
        Args: { p_table: string }
        Returns: string[]
      }
      vx_table_dependents_ddl: { Args: { p_table: string }; Returns: string[] }
      vx_user_tables: {
        Args: Record<PropertyKey, never>
        Returns: {
          has_created_at: boolean
          owner_condition: string
          readable: boolean
          sensitive: string[]
          table_name: string
        }[]
      }
      vx_verify_api_key: {
        Args: {
          p_cost: number
          p_hash: string
          p_now: string
          p_scopes: string[]
        }
        Returns: {
          code: string
          created_at: string
          enabled: boolean
          expires_at: string
          id: string
          key_prefix: string
          last_used_at: string
          name: string
          ord: number
          rate_limit: number
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number
          user_id: string
          window_count: number
          window_reset: string
        }[]
      }
      vx_verify_api_keys: {
        Args: {
          p_costs: number[]
          p_hashes: string[]
          p_now: string
          p_scopes: string[]
        }
        Returns: {
          code: string
          created_at: string
          enabled: boolean
          expires_at: string
          id: string
          key_prefix: string
          last_used_at: string
          name: string
          ord: number
          rate_limit: number
          scopes: string[]
          updated_at: string
          usage_count: number
          usage_quota: number
          user_id: string
          window_count: number
          window_reset: string
        }[]
      }
      vx_webhook_attempt_id: {
        Args: { p_attempt: number; p_message_id: string }
        Returns: string
      }
      vx_webhook_check_caller: {
        Args: { p_user_id: string }
        Returns: undefined
      }
      vx_webhook_claim: {
        Args: {
          p_lease_ms: number
          p_limit: number
          p_now: string
          p_worker: string
        }
        Returns: {
          attempt_number: number
          body: string
          enabled: boolean
          event: string
          event_id: string
          headers: Json
          id: string
          max_attempts: number
          secrets: string[]
          url: string
          webhook_id: string
        }[]
      }
      vx_webhook_create_log: {
        Args: {
          p_attempt_number: number
          p_created_at: string
          p_delivered_at: string
          p_error: string
          p_event: string
          p_payload: Json
          p_response_body: string
          p_status_code: number
          p_webhook_id: string
        }
        Returns: {
          attempt_number: number
          created_at: string
          delivered_at: string | null
          duration_ms: number | null
          error: string | null
          event: string
          id: string
          payload: NonNullable<Json>
          response_body: string | null
          status_code: number | null
          webhook_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "webhook_logs"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_webhook_enqueue: {
        Args: {
          p_agent_id: string
          p_body: string
          p_channels?: string[]
          p_event: string
          p_idempotency_key: string
          p_now: string
          p_user_id: string
        }
        Returns: {
          deliveries: number
          duplicate: boolean
          event_id: string
        }[]
      }
      vx_webhook_enqueue_batch: {
        Args: {
          p_agent_ids: string[]
          p_bodies: string[]
          p_channels?: Json
          p_events: string[]
          p_idempotency_keys: string[]
          p_nows: string[]
          p_user_ids: string[]
        }
        Returns: {
          deliveries: number
          duplicate: boolean
          event_id: string
          ord: number
        }[]
      }
      vx_webhook_event_patterns: {
        Args: { p_event: string }
        Returns: string[]
      }
      vx_webhook_logs: {
        Args: {
          p_before_at: string
          p_before_attempt: number
          p_before_id: string
          p_limit: number
          p_user_id: string
          p_webhook_id: string
        }
        Returns: {
          attempt_number: number
          created_at: string
          delivered_at: string | null
          duration_ms: number | null
          error: string | null
          event: string
          id: string
          payload: NonNullable<Json>
          response_body: string | null
          status_code: number | null
          webhook_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "webhook_logs"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_webhook_message_attempts: {
        Args: { p_message_id: string; p_user_id: string }
        Returns: {
          attempt_number: number
          created_at: string
          delivered_at: string | null
          duration_ms: number | null
          error: string | null
          event: string
          id: string
          payload: NonNullable<Json>
          response_body: string | null
          status_code: number | null
          webhook_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "webhook_logs"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_webhook_purge_events: {
        Args: { p_before: string; p_limit: number }
        Returns: number
      }
      vx_webhook_queue_stats: {
        Args: { p_now: string }
        Returns: {
          depth: number
          due: number
          oldest_due_at: string
        }[]
      }
      vx_webhook_record: {
        Args: {
          p_attempt_numbers: number[]
          p_disable_after_ms: number
          p_disable_reasons: string[]
          p_durations?: number[]
          p_errors: string[]
          p_message_ids: string[]
          p_next_attempts: string[]
          p_now: string
          p_outcomes: string[]
          p_response_bodies: string[]
          p_status_codes: number[]
          p_worker: string
        }
        Returns: number
      }
      vx_webhook_recover: {
        Args: {
          p_now: string
          p_since: string
          p_user_id: string
          p_webhook_id: string
        }
        Returns: number
      }
      vx_webhook_replay: {
        Args: { p_message_id: string; p_now: string; p_user_id: string }
        Returns: {
          attempts: number
          created_at: string
          delivered_at: string | null
          due_at: string
          event: string
          event_id: string
          id: string
          last_error: string | null
          locked_by: string | null
          max_attempts: number
          status: string
          updated_at: string
          user_id: string
          webhook_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "webhook_messages"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_webhook_rotate_secret: {
        Args: {
          p_previous_until: string
          p_secret: string
          p_user_id: string
          p_webhook_id: string
        }
        Returns: {
          agent_id: string | null
          channels: string[] | null
          created_at: string
          enabled: boolean
          events: string[]
          headers: NonNullable<Json>
          id: string
          last_error: string | null
          last_status: number | null
          last_triggered_at: string | null
          rate_limit_per_second: number | null
          retry_count: number
          secret: string
          updated_at: string
          url: string
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "webhooks"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      vx_webhook_same_request: {
        Args: {
          p_agent_id: string
          p_body: string
          p_event: string
          p_first: Database["public"]["Tables"]["webhook_events"]["Row"]
        }
        Returns: boolean
      }
      vx_webhook_signing_secrets: {
        Args: { p_now: string; p_user_id: string; p_webhook_id: string }
        Returns: string[]
      }
      vx_webhook_stats: {
        Args: {
          p_since: string
          p_until: string
          p_user_id: string
          p_webhook_id: string
        }
        Returns: {
          delivered: number
          failed: number
          hour: string
          p50_ms: number
          p95_ms: number
          p99_ms: number
        }[]
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const

