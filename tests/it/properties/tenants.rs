//! Property: tenant ids are kept exactly and apart, or refused.

use proptest::prelude::*;

use super::{check, count, refused, runtime, said};
use crate::support::TestDatabase;

fn tenant_id() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => "[ \t\n\u{3000}]{1,3}",
        2 => "[a-zA-Z0-9_.-]{1,12}",
        2 => any::<String>(),
        1 => "[a-z\\x00]{1,4}",
        3 => (
            prop::sample::select(vec!['a', 'é', '✓', '😀']),
            prop::sample::select(vec![251usize, 252, 253, 254, 255, 256, 257]),
            " ?",
        )
            .prop_map(|(c, bytes, pad)| {
                let mut s = pad;
                while s.len() + c.len_utf8() <= bytes {
                    s.push(c);
                }
                while s.len() < bytes {
                    s.push('a');
                }
                s
            }),
    ]
}

#[test]
fn tenants_are_kept_exactly_and_apart_or_refused() {
    let rt = runtime();
    let t = rt.block_on(TestDatabase::migrated()).unwrap();
    check(&rt, 64, tenant_id(), |id| {
        let t = &t;
        async move {
            let before = count(t, "claims").await;
            let ok = said(&id) && id.len() <= 255;
            let tenant = t.db.tenant(&id);
            if !ok {
                refused(tenant, "tenant_id")?;
                prop_assert_eq!(count(t, "claims").await, before);
                return Ok(());
            }
            let tenant = tenant.unwrap();
            let claim = tenant.insert_claim("c", None).await.unwrap();
            prop_assert_eq!(&claim.tenant_id, &id);
            let got = tenant.get_claim(claim.id).await.unwrap().unwrap();
            prop_assert_eq!(&got.tenant_id, &id);
            let recent = tenant.recent_claims(1000, None).await.unwrap();
            prop_assert!(recent.iter().any(|c| c.id == claim.id));
            prop_assert!(recent.iter().all(|c| c.tenant_id == id));
            // The same id with a byte less or more is another tenant.
            let other = format!("{id}x");
            if other.len() <= 255 {
                let other = t.db.tenant(&other).unwrap();
                prop_assert!(other.get_claim(claim.id).await.unwrap().is_none());
            }
            Ok(())
        }
    });
}
