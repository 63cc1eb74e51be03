//! The accessors [`Value`](crate::Value) and [`ValueRef`](crate::ValueRef) share: the
//! variants that hold a `Copy` scalar, named alike in both.

/// `is_nil`, `as_bool`, `as_integer`, `as_real`, `as_light_userdata` and `type_name`, in an
/// `impl` of a value type with [`Value`](crate::Value)'s variant names.
macro_rules! scalar_accessors {
    () => {
        /// `true` for `nil`.
        pub fn is_nil(&self) -> bool {
            matches!(self, Self::Nil)
        }

        scalar_accessors!(@as
            /// The boolean, if this is a boolean.
            as_bool -> bool: Boolean,
            /// The integer, if this is an integer (floats are not converted).
            as_integer -> i64: Integer,
            /// The float, if this is a float (integers are not converted).
            as_real -> f64: Real,
            /// The pointer value of a light userdata.
            as_light_userdata -> u64: LightUserdata
        );

        /// Lua's `type()` name: `"nil"`, `"boolean"`, `"number"`, `"string"`,
        /// `"table"` or `"userdata"`.
        pub fn type_name(&self) -> &'static str {
            view::type_name(self)
        }
    };
    (@as $(#[$doc:meta] $method:ident -> $ty:ty: $variant:ident),*) => {$(
        #[$doc]
        pub fn $method(&self) -> Option<$ty> {
            match self {
                Self::$variant(v) => Some(*v),
                _ => None,
            }
        }
    )*};
}
