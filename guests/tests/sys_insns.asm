; sys_insns: the system instructions a protected-mode kernel probes with
; (SDM vol. 2): LAR (access rights masked by 00F0FE00: the limit bits are
; undefined, and the accessed bit of code segments differs between QEMU,
; which never sets it on CS loads, and the SDM -- see seg_loads), LSL (byte-granular limit), VERR/VERW, ARPL at ring 0 and 3;
; SGDT/SIDT/SLDT/STR/SMSW (not privileged on a P6; SMSW to a register shows
; CR0[15:0]); LMSW (loads PE/MP/EM/TS, cannot clear PE); CLTS (#GP at ring
; 3); MOV to/from DR0-3/DR6/DR7 (DR6/DR7 reserved bits read back fixed),
; DR4/DR5 aliasing DR6/DR7 while CR4.DE=0 and #UD with CR4.DE=1, MOV DR at
; ring 3 (#GP(0)); MOV to CR5 (#UD).
; area: system instructions
; reference: qemu

%define KERNEL_NAME "sys_insns"
%include "lib/kernel.inc"

S_XO    equ 0x68                    ; execute-only code, DPL 0
S_RO    equ 0x70                    ; read-only data, DPL 0
S_CRC   equ 0x78                    ; conforming readable code, DPL 0
S_D3    equ 0x80                    ; data RW, DPL 3
S_IG    equ 0x88                    ; an interrupt gate in the GDT (not valid for LAR)
S_CG    equ 0x90                    ; call gate, DPL 3
S_NP    equ 0x98                    ; data RW, not present

; LARLSL sel: "lar/lsl sel: zf=. ar=........ ; zf=. limit=........"
%macro LARLSL 1
        PKV16 "sel ", %1
        mov eax, 0xFFFFFFFF
        mov ebx, %1
        lar eax, ebx
        call print_zf
        and eax, 0x00F0FE00
        PKV32 " ar&00f0fe00=", eax
        mov eax, 0xFFFFFFFF
        lsl eax, ebx
        call print_zf
        PKV32 " limit=", eax
        verr bx
        PRINT " verr"
        call print_zf
        verw bx
        PRINT " verw"
        call print_zf
        PRINTLN
%endmacro

        bits 32
main:
        SETDESC S_XO, 0, 0xFFFFF, ACC_P | ACC_CODE, FLG_G | FLG_DB
        SETDESC S_RO, 0x12345, 0x0ABCD, ACC_P | ACC_DATA, FLG_DB
        SETDESC S_CRC, 0, 0x0FFFF, ACC_P | ACC_CODE | ACC_C | ACC_R, FLG_G
        SETDESC S_D3, 0, 0x00010, ACC_P | ACC_DPL(3) | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETGATE S_IG, SEL_CODE32, main, ACC_P | T_INT32, 0
        SETGATE S_CG, SEL_CODE32, main, ACC_P | ACC_DPL(3) | T_CALL32, 2
        SETDESC S_NP, 0, 0xFFFFF, ACC_DATA | ACC_W, FLG_G | FLG_DB

        ; ---------------------------------------------------------- LAR/LSL/VERR/VERW
        PRINTLN "ring 0 (zf=1: valid; a failed LAR/LSL leaves ffffffff):"
        LARLSL SEL_NULL
        LARLSL SEL_CODE32
        LARLSL SEL_DATA32
        LARLSL SEL_DATA16
        LARLSL SEL_TSS
        LARLSL SEL_LDT
        LARLSL S_XO
        LARLSL S_RO
        LARLSL S_CRC | 3
        LARLSL S_D3
        LARLSL S_IG
        LARLSL S_CG
        LARLSL S_NP
        LARLSL 0x200
        LARLSL SEL_DATA32 | 3
        PRINTLN "ring 3:"
        TRY r3lar, "r3"
        TO_RING3 r3lar
r3lar:  LARLSL SEL_CODE32_R3
        LARLSL SEL_DATA32
        LARLSL S_D3 | 3
        LARLSL S_CRC | 3
        LARLSL S_CG | 3
        LARLSL SEL_TSS | 3
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- ARPL
        mov eax, 0x0008
        mov ebx, 0x0003
        arpl ax, bx
        PKV16 "arpl 0008,0003 -> ", eax
        call print_zf
        mov eax, 0x000B
        mov ebx, 0x0001
        arpl ax, bx
        PKV16 " arpl 000b,0001 -> ", eax
        call print_zf
        mov word [KVARS], 0x0010
        mov ebx, 0x0002
        arpl [KVARS], bx
        pushfd
        movzx eax, word [KVARS]
        popfd
        PKV16 " arpl [0010],0002 -> ", eax
        call print_zf
        PRINTLN

        ; ---------------------------------------------------------- store instructions
        sgdt [KVARS]
        PKV16 "sgdt limit=", [KVARS]
        PKV32 " base=", [KVARS + 2]
        sidt [KVARS]
        PKV16 " sidt limit=", [KVARS]
        PKV32 " base=", [KVARS + 2]
        sldt ax
        movzx eax, ax
        PKV16 " sldt=", eax
        str ax
        movzx eax, ax
        PKV16 " str=", eax
        smsw eax
        and eax, 0xFFFF
        PKV16 " smsw=", eax
        PRINTLN
        TRY r3st, "r3"
        TO_RING3 r3st
r3st:   sgdt [ss:KVARS + 0x10]
        PKV16 "ring 3: sgdt limit=", [ss:KVARS + 0x10]
        PKV32 " base=", [ss:KVARS + 0x12]
        sidt [ss:KVARS + 0x10]
        PKV16 " sidt limit=", [ss:KVARS + 0x10]
        str ax
        movzx eax, ax
        PKV16 " str=", eax
        smsw [ss:KVARS + 0x10]
        movzx eax, word [ss:KVARS + 0x10]
        PKV16 " smsw [m16]=", eax
        PRINT " "
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- LMSW / CLTS
        mov eax, 0x000E
        lmsw ax
        mov eax, cr0
        and eax, 0x3F
        PKV8 "lmsw 000e: cr0&3f=", eax
        xor eax, eax
        lmsw ax
        mov eax, cr0
        and eax, 0x3F
        PKV8 " lmsw 0000 (PE stays): cr0&3f=", eax
        mov eax, 0xFFF8
        lmsw ax
        mov eax, cr0
        and eax, 0xFFFF
        PKV16 " lmsw fff8 (only bits 0-3): cr0&ffff=", eax
        mov eax, cr0
        or eax, CR0_TS
        mov cr0, eax
        clts
        mov eax, cr0
        and eax, CR0_TS
        PKV8 " clts: cr0.ts=", eax
        PRINTLN
        R3BEGIN "clts at ring 3: "
        clts
        R3END

        ; ---------------------------------------------------------- debug registers
        mov eax, 0x11111111
        mov dr0, eax
        mov eax, 0x22222222
        mov dr1, eax
        mov eax, 0x33333333
        mov dr2, eax
        mov eax, 0x44444444
        mov dr3, eax
        xor eax, eax
        mov dr6, eax
        mov dr7, eax
        mov eax, dr0
        PKV32 "dr0=", eax
        mov eax, dr1
        PKV32 " dr1=", eax
        mov eax, dr2
        PKV32 " dr2=", eax
        mov eax, dr3
        PKV32 " dr3=", eax
        mov eax, dr6
        PKV32 " dr6 (wrote 0)=", eax
        mov eax, dr7
        PKV32 " dr7 (wrote 0)=", eax
        PRINTLN
        mov eax, 0x0000000F         ; B0-B3
        mov dr6, eax
        mov eax, 0x00000003         ; L0, G0
        mov dr7, eax
        mov eax, dr4
        PKV32 "cr4.de=0: dr4 (alias dr6, wrote 0000000f)=", eax
        mov eax, dr5
        PKV32 " dr5 (alias dr7, wrote 00000003)=", eax
        PRINTLN
        xor eax, eax
        mov dr7, eax
        mov dr6, eax
        mov eax, cr4
        or eax, 0x08                ; CR4.DE
        mov cr4, eax
        PRINT "cr4.de=1: mov eax,dr4: "
        TRY
        mov eax, dr4
        ENDTRY
        mov eax, cr4
        and eax, ~0x08
        mov cr4, eax
        R3BEGIN "mov eax,dr7 at ring 3: "
        mov eax, dr7
        R3END
        R3BEGIN "mov dr0,eax at ring 3: "
        mov dr0, eax
        R3END
        PRINT "mov cr5,eax: "
        TRY
        db 0x0F, 0x22, 0xE8
        ENDTRY
        EXIT 0

print_zf:
        pushfd
        jz .one
        PRINT " zf=0"
        popfd
        ret
.one:   PRINT " zf=1"
        popfd
        ret

%include "lib/tail.inc"
